/** Said where a password reset would be offered, when the server has no email. */
export function EmailNotSetUp() {
  return (
    <p className="muted small" data-testid="email-not-set-up">
      Email is not set up on this server, so passwords cannot be reset by email. Ask its
      administrator.
    </p>
  );
}
