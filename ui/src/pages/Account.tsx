import { useState } from "react";
import type { FormEvent } from "react";
import { Link, Navigate, useLocation, useNavigate } from "react-router-dom";
import { ApiError } from "../api/client";
import { useAuth } from "../auth";
import { EmailNotSetUp } from "../components/EmailNotSetUp";
import { FormError, Loading } from "../components/States";
import { browserTimeZone } from "../lib/timeZone";

function messageOf(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 429) {
      return err.retryAfter
        ? `Too many attempts. Try again in ${err.retryAfter} seconds.`
        : "Too many attempts. Wait a little and try again.";
    }
    return err.message;
  }
  return err instanceof Error ? err.message : String(err);
}

export function SignIn() {
  const { session, loading, signIn, config } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const from = (location.state as { from?: string } | null)?.from;
  const wasReset = (location.state as { reset?: boolean } | null)?.reset === true;

  if (loading) return <Loading />;
  if (session && !busy) return <Navigate to={from || "/feeds"} replace />;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      await signIn(username.trim(), password);
      navigate(from && from !== "/signin" ? from : "/feeds", { replace: true });
    } catch (err) {
      setError(messageOf(err));
      setBusy(false);
    }
  };

  return (
    <div className="auth-page">
      <form className="card auth-card" onSubmit={submit} noValidate>
        <h1>Sign in</h1>
        <p className="muted">Welcome back to Stonechat.</p>
        {wasReset && (
          <p className="muted" role="status" data-testid="reset-done">
            Your password is changed. Sign in with the new one.
          </p>
        )}
        <label htmlFor="signin-username">Username or email</label>
        <input
          id="signin-username"
          data-testid="signin-username"
          autoComplete="username"
          value={username}
          onChange={(e) => setUsername(e.target.value)}
          required
          autoFocus
        />
        <label htmlFor="signin-password">Password</label>
        <input
          id="signin-password"
          data-testid="signin-password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          required
        />
        <FormError error={error} />
        <button className="btn btn-primary btn-block" data-testid="signin-submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
        {config?.email_enabled === false ? (
          <EmailNotSetUp />
        ) : (
          <p className="muted small">
            <Link to="/forgot-password" data-testid="forgot-password">
              Forgot password?
            </Link>
          </p>
        )}
        {config?.signup_enabled !== false && (
          <p className="muted small">
            New here? <Link to="/signup">Create an account</Link>
          </p>
        )}
      </form>
    </div>
  );
}

export function SignUp() {
  const { session, loading, signUp, config } = useAuth();
  const navigate = useNavigate();
  const [username, setUsername] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  if (loading) return <Loading />;
  if (session && !busy) return <Navigate to="/feeds" replace />;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    if (password.length < 8) {
      setError("The password needs at least 8 characters.");
      return;
    }
    setBusy(true);
    try {
      await signUp({ username: username.trim(), email: email.trim(), password, time_zone: browserTimeZone() });
      navigate("/feeds", { replace: true });
    } catch (err) {
      setError(messageOf(err));
      setBusy(false);
    }
  };

  if (config && !config.signup_enabled) {
    return (
      <div className="auth-page">
        <div className="card auth-card">
          <h1>Sign-up is closed</h1>
          <p>This server does not accept new accounts. Ask its administrator for one.</p>
          <Link to="/signin" className="btn btn-primary btn-block">
            Sign in
          </Link>
        </div>
      </div>
    );
  }

  return (
    <div className="auth-page">
      <form className="card auth-card" onSubmit={submit} noValidate>
        <h1>Create your account</h1>
        {config && !config.has_users ? (
          <p className="muted">This is the first account on this server: it will be the administrator.</p>
        ) : (
          <p className="muted">Your devices will send data to feeds under this username.</p>
        )}
        <label htmlFor="signup-username">Username</label>
        <input
          id="signup-username"
          data-testid="signup-username"
          autoComplete="username"
          value={username}
          onChange={(e) => setUsername(e.target.value)}
          required
          autoFocus
          aria-describedby="signup-username-help"
        />
        <small id="signup-username-help" className="help">
          Letters, digits, - and _. It is part of every API path and MQTT topic.
        </small>
        <label htmlFor="signup-email">Email</label>
        <input
          id="signup-email"
          data-testid="signup-email"
          type="email"
          autoComplete="email"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          required
        />
        <label htmlFor="signup-password">Password</label>
        <input
          id="signup-password"
          data-testid="signup-password"
          type="password"
          autoComplete="new-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          required
          minLength={8}
          aria-describedby="signup-password-help"
        />
        <small id="signup-password-help" className="help">
          At least 8 characters.
        </small>
        <FormError error={error} />
        <button className="btn btn-primary btn-block" data-testid="signup-submit" disabled={busy}>
          {busy ? "Creating account…" : "Create account"}
        </button>
        <p className="muted small">
          Already have an account? <Link to="/signin">Sign in</Link>
        </p>
      </form>
    </div>
  );
}
