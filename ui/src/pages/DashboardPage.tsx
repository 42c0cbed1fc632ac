export default function DashboardPage() {
  return <div className="page"><h1>DashboardPage</h1></div>;
}
