/** What a block shows when it has no feed to show (none chosen, or a private one). */
export function NoFeed({ readOnly = false }: { readOnly?: boolean }) {
  return (
    <p className="muted small">
      {readOnly ? "This block's feed is private." : "No feed chosen. Edit the block to pick one."}
    </p>
  );
}
