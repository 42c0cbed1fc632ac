/** Settings: download the whole account (feeds, groups, dashboards, every point) as a zip. */
export function ExportSection() {
  return (
    <section className="card section">
      <h2>Your data</h2>
      <p className="help">
        One zip with your groups, feeds and dashboards (with their blocks and layouts) as JSON, and every point of
        every feed as CSV. It streams: a large account takes a while.
      </p>
      <a className="btn" data-testid="account-export" href="/ui/api/export" download>
        Download everything (.zip)
      </a>
    </section>
  );
}
