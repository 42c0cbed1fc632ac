/** The signed-in session, shared by every page. */
import { createContext, useCallback, useContext, useEffect, useMemo, useState } from "react";
import type { ReactNode } from "react";
import { api, ApiError } from "./api/client";
import { Aio } from "./api/aio";
import type { Session, UiConfig, User } from "./api/types";
import { live } from "./lib/live";

interface AuthState {
  loading: boolean;
  session: Session | null;
  config: UiConfig | null;
  expired: boolean;
  aio: Aio | null;
  signIn(username: string, password: string): Promise<void>;
  signUp(body: { username: string; email: string; password: string; time_zone?: string }): Promise<void>;
  signOut(): Promise<void>;
  refresh(): Promise<void>;
  setUser(user: User): void;
  setAioKey(key: string): void;
}

const AuthContext = createContext<AuthState | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [loading, setLoading] = useState(true);
  const [session, setSession] = useState<Session | null>(null);
  const [config, setConfig] = useState<UiConfig | null>(null);
  const [expired, setExpired] = useState(false);

  const adopt = useCallback((next: Session | null) => {
    api.setCsrfToken(next?.csrf_token ?? null);
    if (!next) live.close();
    setSession(next);
  }, []);

  const refresh = useCallback(async () => {
    try {
      const s = await api.get<Session>("/ui/api/session");
      adopt(s);
    } catch (err) {
      if (!(err instanceof ApiError) || (err.status !== 401 && err.status !== 404)) throw err;
      adopt(null);
    }
  }, [adopt]);

  useEffect(() => {
    let cancelled = false;
    api.onUnauthorized = () => {
      setExpired(true);
      adopt(null);
    };
    // Ask for the session only when the config does not already say we are signed out
    // (a 401 probe shows up as a console error in the browser).
    api
      .get<UiConfig>("/ui/api/config")
      .then(
        (c) => {
          if (!cancelled) setConfig(c);
          return c.signed_in === false ? undefined : refresh();
        },
        () => refresh(),
      )
      .catch(() => undefined)
      .finally(() => !cancelled && setLoading(false));
    return () => {
      cancelled = true;
    };
  }, [refresh, adopt]);

  // A new session is shown once, whole (with its aio_key, which only GET /ui/api/session
  // gives). Shown before that request, the menu could be used while it ran, and the form's
  // move to the next page then came after the user's own.
  const enter = useCallback(
    async (s: Session) => {
      setExpired(false);
      api.setCsrfToken(s.csrf_token);
      adopt(await api.get<Session>("/ui/api/session").catch(() => s));
    },
    [adopt],
  );

  const signIn = useCallback(
    async (username: string, password: string) => {
      await enter(await api.post<Session>("/ui/api/signin", { username, password }));
    },
    [enter],
  );

  const signUp = useCallback(
    async (body: { username: string; email: string; password: string; time_zone?: string }) => {
      await enter(await api.post<Session>("/ui/api/signup", body));
      setConfig((c) => (c ? { ...c, has_users: true } : c));
    },
    [enter],
  );

  const signOut = useCallback(async () => {
    try {
      await api.post("/ui/api/signout");
    } catch {
      /* the session is gone either way */
    }
    adopt(null);
  }, [adopt]);

  const value = useMemo<AuthState>(
    () => ({
      loading,
      session,
      config,
      expired,
      aio: session ? new Aio(session.user.username) : null,
      signIn,
      signUp,
      signOut,
      refresh,
      setUser: (user) => setSession((s) => (s ? { ...s, user } : s)),
      setAioKey: (key) => setSession((s) => (s ? { ...s, aio_key: key } : s)),
    }),
    [loading, session, config, expired, signIn, signUp, signOut, refresh],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

/** What the server told the UI about itself (/ui/api/config); null before it answered or
 * outside the provider (component tests). */
export function useServerConfig(): UiConfig | null {
  return useContext(AuthContext)?.config ?? null;
}

export function useAuth(): AuthState {
  const value = useContext(AuthContext);
  if (!value) throw new Error("useAuth outside AuthProvider");
  return value;
}

/** The REST client of the signed-in user (pages behind RequireAuth only). */
export function useAio(): Aio {
  const { aio } = useAuth();
  if (!aio) throw new Error("useAio needs a session");
  return aio;
}
