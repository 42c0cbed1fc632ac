/** Forgotten passwords: ask for a reset link, and set a new password from the link. */
import { useState } from "react";
import type { FormEvent } from "react";
import { Link, useNavigate, useSearchParams } from "react-router-dom";
import { api, ApiError } from "../api/client";
import { useAuth } from "../auth";
import { EmailNotSetUp } from "../components/EmailNotSetUp";
import { FormError, Loading } from "../components/States";

function messageOf(err: unknown): string {
  if (err instanceof ApiError && err.status === 429) {
    return err.retryAfter
      ? `Too many requests. Try again in ${err.retryAfter} seconds.`
      : "Too many requests. Wait a little and try again.";
  }
  return err instanceof Error ? err.message : String(err);
}

export function ForgotPassword() {
  const { config, loading } = useAuth();
  const [login, setLogin] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [sent, setSent] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  if (loading) return <Loading />;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      const answer = await api.post<{ message: string }>("/ui/api/password-reset", { login: login.trim() });
      setSent(answer.message);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="auth-page">
      <form className="card auth-card" onSubmit={submit} noValidate>
        <h1>Forgot password?</h1>
        {config?.email_enabled === false ? (
          <EmailNotSetUp />
        ) : sent ? (
          <p data-testid="reset-sent">Check your email: {sent}.</p>
        ) : (
          <>
            <p className="muted">We email a link to choose a new password.</p>
            <label htmlFor="reset-login">Username or email</label>
            <input
              id="reset-login"
              data-testid="reset-login"
              autoComplete="username"
              value={login}
              onChange={(e) => setLogin(e.target.value)}
              required
              autoFocus
            />
            <FormError error={error} />
            <button className="btn btn-primary btn-block" data-testid="reset-request" disabled={busy || !login.trim()}>
              {busy ? "Sending…" : "Email me a link"}
            </button>
          </>
        )}
        <p className="muted small">
          <Link to="/signin">Back to sign in</Link>
        </p>
      </form>
    </div>
  );
}

export function ResetPassword() {
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  const navigate = useNavigate();
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    if (password.length < 8) {
      setError("The password needs at least 8 characters.");
      return;
    }
    setBusy(true);
    try {
      await api.post("/ui/api/password-reset/confirm", { token, new_password: password });
      navigate("/signin", { replace: true, state: { reset: true } });
    } catch (err) {
      setError(messageOf(err));
      setBusy(false);
    }
  };

  return (
    <div className="auth-page">
      <form className="card auth-card" onSubmit={submit} noValidate>
        <h1>Choose a new password</h1>
        {!token ? (
          <p>This page needs the link from the email. <Link to="/forgot-password">Ask for one</Link>.</p>
        ) : (
          <>
            <label htmlFor="reset-password">New password</label>
            <input
              id="reset-password"
              data-testid="reset-password"
              type="password"
              autoComplete="new-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              required
              minLength={8}
              autoFocus
            />
            <small className="help">At least 8 characters. Every browser signed in to the account is signed out.</small>
            <FormError error={error} />
            <button className="btn btn-primary btn-block" data-testid="reset-submit" disabled={busy}>
              {busy ? "Saving…" : "Set password"}
            </button>
          </>
        )}
        <p className="muted small">
          <Link to="/forgot-password">Ask for a new link</Link> · <Link to="/signin">Sign in</Link>
        </p>
      </form>
    </div>
  );
}
