/** Device tokens (a section of Settings): keys limited to some feeds and groups, each
 * revocable on its own. */
import { useMemo, useState } from "react";
import type { Aio } from "../api/aio";
import { Tokens } from "../api/tokens";
import type { TokenInput } from "../api/tokens";
import type { CreatedToken, Token } from "../api/types";
import { useAio, useAuth } from "../auth";
import { Confirm } from "./Modal";
import { ErrorBox, Loading } from "./States";
import { TokenForm } from "./TokenForm";
import { TokenSecret } from "./TokenSecret";
import { expiresIn, isExpired } from "../lib/expiry";
import { formatTime, relativeTime } from "../lib/format";
import { formatScope } from "../lib/modes";
import { useAsync } from "../lib/useAsync";

function TokenRow({ token, timeZone, onRevoke }: { token: Token; timeZone: string; onRevoke: () => void }) {
  const expired = isExpired(token.expiration);
  return (
    <tr data-testid={`token-row-${token.id}`} data-name={token.name}>
      <td>
        {token.name}
        {token.hint && <div className="muted small mono">{token.hint}…</div>}
      </td>
      <td data-testid={`token-scopes-${token.id}`}>
        {token.permissions.length === 0 && <span className="muted small">no scopes</span>}
        {token.permissions.map((p) => (
          <span key={`${p.model}/${p.key}`} className="chip token-scope-chip">
            {formatScope(p)}
          </span>
        ))}
      </td>
      <td title={token.expiration ? formatTime(token.expiration, timeZone) : undefined}>
        {expired ? <span className="status status-off">expired</span> : expiresIn(token.expiration)}
      </td>
      <td
        data-testid={`token-last-used-${token.id}`}
        title={token.last_used_at ? formatTime(token.last_used_at, timeZone) : undefined}
      >
        {relativeTime(token.last_used_at)}
      </td>
      <td className="row-actions">
        <button
          type="button"
          className="btn btn-small btn-danger-outline"
          data-testid={`token-revoke-${token.id}`}
          onClick={onRevoke}
        >
          Revoke
        </button>
      </td>
    </tr>
  );
}

/** The create dialog, with the feeds and groups to choose from. */
function NewToken({
  aio,
  onSubmit,
  onClose,
}: {
  aio: Aio;
  onSubmit: (input: TokenInput) => Promise<void>;
  onClose: () => void;
}) {
  const feeds = useAsync(() => aio.feeds(), [aio]);
  const groups = useAsync(() => aio.groups(), [aio]);
  return (
    <TokenForm
      feeds={(feeds.data ?? []).map((f) => ({ key: f.key, name: f.name }))}
      groups={(groups.data ?? []).map((g) => ({ key: g.key, name: g.name }))}
      onSubmit={onSubmit}
      onClose={onClose}
    />
  );
}

export function TokensSection() {
  const aio = useAio();
  const { session } = useAuth();
  const timeZone = session?.user.time_zone || "UTC";
  const tokens = useMemo(() => new Tokens(aio.username), [aio.username]);
  const list = useAsync(() => tokens.list(), [tokens]);
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<CreatedToken | null>(null);
  const [revoking, setRevoking] = useState<Token | null>(null);

  return (
    <section className="card section" id="tokens" data-testid="tokens">
      <h2>
        Device tokens
        <button
          type="button"
          className="btn btn-primary"
          data-testid="token-create-open"
          onClick={() => {
            setCreated(null);
            setCreating(true);
          }}
        >
          New token
        </button>
      </h2>
      <p className="muted small">
        A token stands in for your AIO key on one device, limited to the feeds and groups you pick.
        Revoke it and only that device loses access; its MQTT connections end at once.
      </p>
      {created && <TokenSecret token={created} onDone={() => setCreated(null)} />}
      {list.loading && !list.data && <Loading />}
      {list.error && <ErrorBox error={list.error} onRetry={list.reload} />}
      {list.data && list.data.length === 0 && (
        <p className="muted small" data-testid="tokens-empty">
          No tokens yet. Create one per device with <strong>New token</strong>.
        </p>
      )}
      {list.data && list.data.length > 0 && (
        <div className="table-wrap">
          <table className="table" data-testid="tokens-table">
            <thead>
              <tr>
                <th>Name</th>
                <th>May use</th>
                <th>Expires</th>
                <th>Last used</th>
                <th>
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.map((t) => (
                <TokenRow key={t.id} token={t} timeZone={timeZone} onRevoke={() => setRevoking(t)} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {creating && (
        <NewToken
          aio={aio}
          onClose={() => setCreating(false)}
          onSubmit={async (input) => {
            const made = await tokens.create(input);
            setCreating(false);
            setCreated(made);
            const { token: _secret, ...shown } = made;
            list.setData((old) => [...(old ?? []), shown]);
          }}
        />
      )}
      {revoking && (
        <Confirm
          title="Revoke token"
          confirmLabel="Revoke"
          testId="token-revoke-confirm"
          message={
            <p>
              Revoke <strong>{revoking.name}</strong>? Devices using it are refused from now on and
              their MQTT connections are closed.
            </p>
          }
          onCancel={() => setRevoking(null)}
          onConfirm={async () => {
            await tokens.revoke(revoking.id);
            list.setData((old) => (old ?? []).filter((t) => t.id !== revoking.id));
            if (created?.id === revoking.id) setCreated(null);
            setRevoking(null);
          }}
        />
      )}
    </section>
  );
}
