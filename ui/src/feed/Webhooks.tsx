/** A feed's webhook URLs: create, copy, revoke (owner only). */
import { useState } from "react";
import type { Aio } from "../api/aio";
import type { Feed, WebhookReceiver } from "../api/types";
import { Confirm } from "../components/Modal";
import { CopyButton } from "../components/Snippet";
import { ErrorBox, FormError } from "../components/States";
import { useAsync } from "../lib/useAsync";

export function Webhooks({ aio, feed }: { aio: Aio; feed: Feed }) {
  const list = useAsync(() => aio.webhooks(feed.key), [aio, feed.key]);
  const [revoking, setRevoking] = useState<WebhookReceiver | null>(null);
  const [error, setError] = useState<string | null>(null);
  return (
    <section className="card section">
      <h2>
        Webhooks
        <button
          type="button"
          className="btn btn-small"
          data-testid="webhook-create"
          onClick={async () => {
            setError(null);
            try {
              const r = await aio.createWebhook(feed.key);
              list.setData((old) => [...(old ?? []), r]);
            } catch (err) {
              setError(err instanceof Error ? err.message : String(err));
            }
          }}
        >
          New webhook URL
        </button>
      </h2>
      <p className="help">
        Anyone holding a webhook URL can add values to this feed without a key: POST JSON{" "}
        <code>{'{"value": …}'}</code> to it, any body to <code>…/raw</code>, or nothing to{" "}
        <code>…/notify</code>.
      </p>
      <FormError error={error} />
      {list.error && <ErrorBox error={list.error} onRetry={list.reload} />}
      {list.data && list.data.length === 0 && <p className="muted small">No webhook URLs.</p>}
      {list.data?.map((r) => (
        <div key={r.id} className="key-box" style={{ marginBottom: "0.4rem" }} data-testid={`webhook-${r.id}`}>
          <code className="small">{r.url}</code>
          <CopyButton text={r.url} />
          <button
            type="button"
            className="btn btn-small btn-danger-outline"
            data-testid={`webhook-revoke-${r.id}`}
            onClick={() => setRevoking(r)}
          >
            Revoke
          </button>
        </div>
      ))}
      {revoking && (
        <Confirm
          title="Revoke webhook URL"
          confirmLabel="Revoke"
          testId="webhook-revoke-confirm"
          message={<p>Senders using this URL will get 404 from now on.</p>}
          onCancel={() => setRevoking(null)}
          onConfirm={async () => {
            await aio.deleteWebhook(feed.key, revoking.id);
            list.setData((old) => (old ?? []).filter((r) => r.id !== revoking.id));
            setRevoking(null);
          }}
        />
      )}
    </section>
  );
}
