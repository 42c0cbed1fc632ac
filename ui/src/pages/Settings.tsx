import { useMemo, useState } from "react";
import type { FormEvent } from "react";
import { api } from "../api/client";
import type { User } from "../api/types";
import { useAuth } from "../auth";
import { Confirm } from "../components/Modal";
import { DeviceSnippets } from "../components/DeviceSnippets";
import { ExportSection } from "../components/ExportSection";
import { MoveInSection } from "../components/MoveInSection";
import { CopyButton } from "../components/Snippet";
import { FormError } from "../components/States";
import { TokensSection } from "../components/TokensSection";
import { targetFromWindow } from "../lib/snippets";
import { timeZones } from "../lib/timeZones";

function Profile() {
  const { session, setUser } = useAuth();
  const user = session!.user;
  const [email, setEmail] = useState(user.email);
  const [zone, setZone] = useState(user.time_zone || "UTC");
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const zones = useMemo(() => {
    const all = timeZones();
    return all.includes(zone) ? all : [zone, ...all];
  }, [zone]);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      const result = await api.patch<{ user: User }>("/ui/api/profile", { email, time_zone: zone });
      setUser(result.user);
      setSaved(true);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="card section">
      <h2>Profile</h2>
      <form className="form" onSubmit={submit}>
        <label htmlFor="profile-username">Username</label>
        <input id="profile-username" value={user.username} readOnly disabled />
        <label htmlFor="profile-email">Email</label>
        <input id="profile-email" data-testid="profile-email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} />
        <label htmlFor="profile-time-zone">Time zone</label>
        <select id="profile-time-zone" data-testid="profile-time-zone" value={zone} onChange={(e) => setZone(e.target.value)}>
          {zones.map((z) => (
            <option key={z} value={z}>
              {z}
            </option>
          ))}
        </select>
        <small className="help">Charts and tables show times in this zone.</small>
        <FormError error={error} />
        <div className="form-actions">
          {saved && (
            <span className="muted small" role="status">
              Saved.
            </span>
          )}
          <button className="btn btn-primary" data-testid="profile-save" disabled={busy}>
            Save profile
          </button>
        </div>
      </form>
    </section>
  );
}

function Password() {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setDone(false);
    if (next.length < 8) {
      setError("The new password needs at least 8 characters.");
      return;
    }
    try {
      await api.post("/ui/api/password", { current_password: current, new_password: next });
      setCurrent("");
      setNext("");
      setDone(true);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <section className="card section">
      <h2>Password</h2>
      <form className="form" onSubmit={submit}>
        <label htmlFor="password-current">Current password</label>
        <input id="password-current" type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} />
        <label htmlFor="password-new">New password</label>
        <input id="password-new" type="password" autoComplete="new-password" value={next} onChange={(e) => setNext(e.target.value)} />
        <FormError error={error} />
        <div className="form-actions">
          {done && (
            <span className="muted small" role="status">
              Password changed.
            </span>
          )}
          <button className="btn">Change password</button>
        </div>
      </form>
    </section>
  );
}

function KeySection() {
  const { session, setAioKey, config } = useAuth();
  const [shown, setShown] = useState(true);
  const [confirming, setConfirming] = useState(false);
  const key = session?.aio_key ?? "";
  const target = targetFromWindow(
    session!.user.username,
    key || "YOUR_AIO_KEY",
    undefined,
    config?.mqtt_port,
  );
  return (
    <section className="card section">
      <h2>AIO key</h2>
      <p className="muted small">
        Devices and scripts sign in with your username <strong>{session!.user.username}</strong> and this
        key, over HTTP (<code>X-AIO-Key</code> header) or MQTT (as the password). Keep it secret.
      </p>
      <div className="key-box">
        <code data-testid="aio-key" data-key={key}>
          {shown ? key : key ? "•".repeat(Math.min(32, key.length)) : "(not available)"}
        </code>
        <button type="button" className="btn btn-small" data-testid="aio-key-show" onClick={() => setShown((s) => !s)}>
          {shown ? "Hide" : "Show"}
        </button>
        <CopyButton text={key} testId="aio-key-copy" />
        <button type="button" className="btn btn-small btn-danger-outline" data-testid="key-regenerate" onClick={() => setConfirming(true)}>
          Regenerate
        </button>
      </div>
      <h3 style={{ marginTop: "1rem" }}>Connect a device</h3>
      <p className="help">
        Rather give each device a <a href="#tokens">token</a> limited to its own feeds: you can
        revoke one without touching the others, and a lost device cannot reach the rest of your data.
      </p>
      <DeviceSnippets target={target} />
      {confirming && (
        <Confirm
          title="Regenerate the AIO key?"
          confirmLabel="Regenerate key"
          testId="key-regenerate-confirm"
          message={
            <p className="warning">
              The current key stops working at once. Every device, script and integration that uses
              it will fail to connect until you give it the new key.
            </p>
          }
          onCancel={() => setConfirming(false)}
          onConfirm={async () => {
            const result = await api.post<{ aio_key: string }>("/ui/api/key/regenerate");
            setAioKey(result.aio_key);
            setShown(true);
            setConfirming(false);
          }}
        />
      )}
    </section>
  );
}

export default function SettingsPage() {
  return (
    <div className="page">
      <div className="page-head">
        <h1>Settings</h1>
      </div>
      <div className="feed-grid">
        <div>
          <KeySection />
        </div>
        <div>
          <Profile />
          <Password />
          <ExportSection />
          <MoveInSection />
        </div>
      </div>
      <TokensSection />
    </div>
  );
}
