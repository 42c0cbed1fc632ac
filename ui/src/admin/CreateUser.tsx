/** The admin page's form to create a user; shows the new key once. */
import { useState } from "react";
import { admin } from "../api/admin";
import { FormError } from "../components/States";
import { CopyButton } from "../components/Snippet";

export function CreateUser({ onCreated }: { onCreated: () => void }) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [isAdmin, setIsAdmin] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [made, setMade] = useState<{ username: string; key: string } | null>(null);

  const submit = async () => {
    setError(null);
    try {
      const { user, key } = await admin.create({ username, password, is_admin: isAdmin });
      setMade({ username: user.username, key });
      setUsername("");
      setPassword("");
      onCreated();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };

  return (
    <section className="card" aria-labelledby="admin-create-title">
      <h2 id="admin-create-title">New user</h2>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <input aria-label="Username" placeholder="username" value={username} onChange={(e) => setUsername(e.target.value)} data-testid="admin-new-username" />
        <input aria-label="Password" type="password" placeholder="password (8+ characters)" value={password} onChange={(e) => setPassword(e.target.value)} data-testid="admin-new-password" />
        <label className="small">
          <input type="checkbox" checked={isAdmin} onChange={(e) => setIsAdmin(e.target.checked)} /> administrator
        </label>
        <button type="submit" className="btn btn-primary" data-testid="admin-create">
          Create
        </button>
      </form>
      <FormError error={error} />
      {made && (
        <div className="key-box" data-testid="admin-created">
          <span>
            AIO key of <strong>{made.username}</strong> (shown once):
          </span>{" "}
          <code>{made.key}</code>
          <CopyButton text={made.key} />
        </div>
      )}
    </section>
  );
}
