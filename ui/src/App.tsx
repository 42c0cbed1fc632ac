import { lazy, Suspense, useEffect, useState } from "react";
import type { ReactNode } from "react";
import { Link, Navigate, NavLink, Route, Routes, useLocation, useNavigate } from "react-router-dom";
import { useAuth } from "./auth";
import { Loading } from "./components/States";
import { currentTheme, toggleTheme } from "./lib/theme";
import type { Theme } from "./lib/theme";
import { SignIn, SignUp } from "./pages/Account";
import { ForgotPassword, ResetPassword } from "./pages/PasswordReset";
import { FeedsPage } from "./pages/Feeds";

const FeedPage = lazy(() => import("./pages/FeedPage"));
const GroupsPage = lazy(() => import("./pages/Groups"));
const DashboardsPage = lazy(() => import("./pages/Dashboards"));
const DashboardPage = lazy(() => import("./pages/DashboardPage"));
const PublicDashboardPage = lazy(() => import("./pages/PublicDashboard"));
const SettingsPage = lazy(() => import("./pages/Settings"));
const ActionsPage = lazy(() => import("./pages/Actions"));
const ActionPage = lazy(() => import("./pages/ActionPage"));
const ActionEdit = lazy(() => import("./pages/ActionEdit"));
const MonitorPage = lazy(() => import("./pages/Monitor"));
const AdminPage = lazy(() => import("./pages/Admin"));

export function ThemeToggle() {
  const [theme, setTheme] = useState<Theme>(currentTheme());
  useEffect(() => {
    const media = window.matchMedia?.("(prefers-color-scheme: dark)");
    const onChange = () => setTheme(currentTheme());
    media?.addEventListener?.("change", onChange);
    return () => media?.removeEventListener?.("change", onChange);
  }, []);
  const next = theme === "dark" ? "light" : "dark";
  return (
    <button
      type="button"
      className="btn-icon theme-toggle"
      data-testid="theme-toggle"
      aria-label={`Switch to ${next} mode`}
      title={`Switch to ${next} mode`}
      onClick={() => setTheme(toggleTheme())}
    >
      {theme === "dark" ? "☀" : "☾"}
    </button>
  );
}

function Header() {
  const { session, signOut } = useAuth();
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  const location = useLocation();
  useEffect(() => setOpen(false), [location.pathname]);
  return (
    <header className="topbar">
      <Link to={session ? "/feeds" : "/"} className="brand">
        <span className="brand-mark" aria-hidden="true">◆</span> Stonechat
      </Link>
      {session && (
        <button
          type="button"
          className="btn-icon menu-toggle"
          aria-label="Menu"
          aria-expanded={open}
          onClick={() => setOpen((o) => !o)}
        >
          ☰
        </button>
      )}
      {session && (
        <nav className={`nav${open ? " nav-open" : ""}`} aria-label="Main">
          <NavLink to="/feeds" data-testid="nav-feeds">
            Feeds
          </NavLink>
          <NavLink to="/dashboards" data-testid="nav-dashboards">
            Dashboards
          </NavLink>
          <NavLink to="/groups" data-testid="nav-groups">
            Groups
          </NavLink>
          <NavLink to="/actions" data-testid="nav-actions">
            Actions
          </NavLink>
          <NavLink to="/monitor" data-testid="nav-monitor">
            Monitor
          </NavLink>
          <NavLink to="/settings" data-testid="nav-settings">
            Settings
          </NavLink>
          {session.user.is_admin && (
            <NavLink to="/admin" data-testid="nav-admin">
              Admin
            </NavLink>
          )}
        </nav>
      )}
      <div className="topbar-right">
        <ThemeToggle />
        {session && (
          <>
            <span className="whoami" title={session.user.email}>
              {session.user.username}
            </span>
            <button
              type="button"
              className="btn btn-small"
              data-testid="signout"
              onClick={() => void signOut().then(() => navigate("/signin"))}
            >
              Sign out
            </button>
          </>
        )}
      </div>
    </header>
  );
}

function RequireAuth({ children }: { children: ReactNode }) {
  const { session, loading } = useAuth();
  const location = useLocation();
  if (loading) return <Loading />;
  if (!session) {
    return <Navigate to="/signin" replace state={{ from: location.pathname + location.search }} />;
  }
  return <>{children}</>;
}

function Home() {
  const { session, loading, config } = useAuth();
  if (loading) return <Loading />;
  if (session) return <Navigate to="/feeds" replace />;
  if (config && !config.has_users && config.signup_enabled) return <Navigate to="/signup" replace />;
  return <Navigate to="/signin" replace />;
}

function NotFound() {
  return (
    <div className="page">
      <h1>Page not found</h1>
      <p>
        There is nothing at this address. Go to your <Link to="/feeds">feeds</Link> or{" "}
        <Link to="/dashboards">dashboards</Link>.
      </p>
    </div>
  );
}

export function App() {
  const { expired, session } = useAuth();
  return (
    <div className="app">
      <Header />
      {expired && !session && (
        <div className="banner" role="status">
          Your session expired. Sign in again to continue.
        </div>
      )}
      <main className="main">
        <Suspense fallback={<Loading />}>
          <Routes>
            <Route path="/" element={<Home />} />
            <Route path="/signin" element={<SignIn />} />
            <Route path="/signup" element={<SignUp />} />
            <Route path="/forgot-password" element={<ForgotPassword />} />
            <Route path="/reset-password" element={<ResetPassword />} />
            <Route
              path="/feeds"
              element={
                <RequireAuth>
                  <FeedsPage />
                </RequireAuth>
              }
            />
            <Route
              path="/feeds/:key"
              element={
                <RequireAuth>
                  <FeedPage />
                </RequireAuth>
              }
            />
            <Route
              path="/groups"
              element={
                <RequireAuth>
                  <GroupsPage />
                </RequireAuth>
              }
            />
            <Route
              path="/dashboards"
              element={
                <RequireAuth>
                  <DashboardsPage />
                </RequireAuth>
              }
            />
            <Route
              path="/dashboards/:key"
              element={
                <RequireAuth>
                  <DashboardPage />
                </RequireAuth>
              }
            />
            <Route
              path="/admin"
              element={
                <RequireAuth>
                  <AdminPage />
                </RequireAuth>
              }
            />
            <Route
              path="/monitor"
              element={
                <RequireAuth>
                  <MonitorPage />
                </RequireAuth>
              }
            />
            <Route
              path="/actions"
              element={
                <RequireAuth>
                  <ActionsPage />
                </RequireAuth>
              }
            />
            <Route
              path="/actions/new"
              element={
                <RequireAuth>
                  <ActionEdit />
                </RequireAuth>
              }
            />
            <Route
              path="/actions/:id"
              element={
                <RequireAuth>
                  <ActionPage />
                </RequireAuth>
              }
            />
            <Route
              path="/actions/:id/edit"
              element={
                <RequireAuth>
                  <ActionEdit />
                </RequireAuth>
              }
            />
            <Route
              path="/settings"
              element={
                <RequireAuth>
                  <SettingsPage />
                </RequireAuth>
              }
            />
            <Route path="/public/:username/dashboards/:key" element={<PublicDashboardPage />} />
            <Route path="*" element={<NotFound />} />
          </Routes>
        </Suspense>
      </main>
    </div>
  );
}
