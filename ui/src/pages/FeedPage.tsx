export default function FeedPage() {
  return <div className="page"><h1>FeedPage</h1></div>;
}
