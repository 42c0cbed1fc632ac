export default function Groups() {
  return <div className="page"><h1>Groups</h1></div>;
}
