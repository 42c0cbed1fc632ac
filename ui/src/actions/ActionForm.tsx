/** Create or edit an action: name, trigger, delay and cooldown, outputs; a dry run of the
 * form as it stands. Errors of the server show next to the field they name. */
import { useState } from "react";
import type { FormEvent } from "react";
import type { Action, ActionBody, Actions } from "../api/actions";
import type { ActionDraft } from "../lib/actionDraft";
import { bodyOf, draftOf, DraftProblem, emptyDraft, errorField } from "../lib/actionDraft";
import type { Problem } from "./fields";
import { TextField } from "./fields";
import { DryRunPanel } from "./DryRunPanel";
import { OutputFields } from "./OutputFields";
import { TemplateVariables } from "./TemplateVariables";
import { TriggerFields } from "./TriggerFields";

function problemOf(error: unknown): Problem {
  if (error instanceof DraftProblem) return { field: error.field, message: error.message };
  const message = error instanceof Error ? error.message : String(error);
  return { field: errorField(message), message };
}

export function ActionForm({
  action,
  actions,
  feeds,
  onSubmit,
  onCancel,
  timeZone,
}: {
  action?: Action;
  actions: Actions;
  feeds: { key: string; name: string }[];
  onSubmit: (body: ActionBody) => Promise<void>;
  onCancel: () => void;
  /** Of the times the dry run shows. */
  timeZone: string;
}) {
  const [draft, setDraft] = useState<ActionDraft>(() => (action ? draftOf(action) : emptyDraft()));
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const change = (patch: Partial<ActionDraft>) => setDraft((old) => ({ ...old, ...patch }));
  /** Whose last value previews use: none for a schedule, or before a feed is chosen. */
  const triggerFeed = draft.triggerType === "data" && draft.feed ? draft.feed : null;

  /** The body, or null after showing why the form cannot be sent. */
  const body = (): ActionBody | null => {
    setProblem(null);
    try {
      return bodyOf(draft);
    } catch (err) {
      setProblem(problemOf(err));
      return null;
    }
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const sent = body();
    if (!sent) return;
    setBusy(true);
    try {
      await onSubmit(sent);
    } catch (err) {
      setProblem(problemOf(err));
      setBusy(false);
    }
  };

  return (
    <form className="form action-form" onSubmit={submit} noValidate data-testid="action-form">
      <TextField
        id="action-name"
        label="Name"
        path="name"
        value={draft.name}
        onChange={(name) => change({ name })}
        problem={problem}
        placeholder="Too hot"
      />
      <label className="check">
        <input
          type="checkbox"
          data-testid="action-enabled"
          checked={draft.enabled}
          onChange={(e) => change({ enabled: e.target.checked })}
        />{" "}
        Enabled
      </label>
      <TriggerFields draft={draft} feeds={feeds} problem={problem} onChange={change} />
      <OutputFields
        outputs={draft.outputs}
        feeds={feeds}
        problem={problem}
        onChange={(outputs) => change({ outputs })}
        preview={(template) => actions.preview(template, triggerFeed)}
      />
      <TemplateVariables />
      <DryRunPanel actions={actions} body={body} onError={(err) => setProblem(problemOf(err))} timeZone={timeZone} />
      {problem && (
        <p className="form-error" role="alert" data-testid="action-error">
          {problem.message}
        </p>
      )}
      <div className="form-actions">
        <button type="button" className="btn" onClick={onCancel}>
          Cancel
        </button>
        <button className="btn btn-primary" data-testid="action-save" disabled={busy}>
          {action ? "Save action" : "Create action"}
        </button>
      </div>
    </form>
  );
}
