/** A new token's secret, shown this once, with a Copy button and code that uses it. */
import type { CreatedToken } from "../api/types";
import { useAuth } from "../auth";
import { targetFromWindow, withToken } from "../lib/snippets";
import { DeviceSnippets } from "./DeviceSnippets";
import { CopyButton } from "./Snippet";

export function TokenSecret({ token, onDone }: { token: CreatedToken; onDone: () => void }) {
  const { session, config } = useAuth();
  const username = session?.user.username ?? "";
  const feed = token.permissions.find((p) => p.model === "feed")?.key;
  const target = withToken(
    targetFromWindow(username, token.token, undefined, config?.mqtt_port),
    token.token,
    feed,
  );
  return (
    <div className="token-secret" data-testid="token-created" aria-live="polite">
      <h3>Token “{token.name}” created</h3>
      <p className="warning" role="status">
        Copy the token now: this is the only time it is shown. If you lose it, revoke it and create
        another.
      </p>
      <div className="key-box">
        <code data-testid="token-secret" data-secret={token.token}>
          {token.token}
        </code>
        <CopyButton text={token.token} testId="token-secret-copy" />
      </div>
      <p className="help">
        Devices sign in with your username <strong>{username}</strong> and this token in place of the
        AIO key: the <code>X-AIO-Key</code> header over HTTP, the password over MQTT.
      </p>
      <h4>Connect a device with it</h4>
      <DeviceSnippets target={target} testIdPrefix="token-snippet-tab" />
      <div className="form-actions">
        <button type="button" className="btn btn-primary" data-testid="token-secret-done" onClick={onDone}>
          I have copied it
        </button>
      </div>
    </div>
  );
}
