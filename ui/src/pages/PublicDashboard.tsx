export default function PublicDashboard() {
  return <div className="page"><h1>PublicDashboard</h1></div>;
}
