/** New action (/actions/new) and edit (/actions/:id/edit): the form, with the user's feeds. */
import { Link, useNavigate, useParams } from "react-router-dom";
import { ActionForm } from "../actions/ActionForm";
import { useActions } from "../actions/useActions";
import { useAio, useAuth } from "../auth";
import { ErrorBox, Loading } from "../components/States";
import { useAsync } from "../lib/useAsync";

export default function ActionEdit() {
  const { id } = useParams();
  const aio = useAio();
  const actions = useActions();
  const navigate = useNavigate();
  const { session } = useAuth();
  const feeds = useAsync(() => aio.feeds(), [aio]);
  const action = useAsync(() => (id ? actions.get(id) : Promise.resolve(null)), [actions, id]);

  const error = feeds.error ?? action.error;
  if (error) return <div className="page"><ErrorBox error={error} onRetry={() => { feeds.reload(); action.reload(); }} /></div>;
  if (!feeds.data || action.loading) return <Loading />;
  const existing = action.data ?? undefined;
  return (
    <div className="page">
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <Link to="/actions">Actions</Link> / {existing ? existing.name : "New"}
      </nav>
      <h1>{existing ? `Edit ${existing.name}` : "New action"}</h1>
      <ActionForm
        action={existing}
        actions={actions}
        timeZone={session?.user.time_zone || "UTC"}
        feeds={feeds.data.map((f) => ({ key: f.key, name: f.name }))}
        onCancel={() => navigate(existing ? `/actions/${existing.id}` : "/actions")}
        onSubmit={async (body) => {
          const saved = existing ? await actions.replace(existing.id, body) : await actions.create(body);
          navigate(`/actions/${saved.id}`);
        }}
      />
    </div>
  );
}
