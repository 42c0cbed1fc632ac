/** Labelled fields of the action form, each able to show the server's error about it. */
import type { ReactNode } from "react";

/** An error of the form: the message, and the field path it names (null: the whole form). */
export interface Problem {
  field: string | null;
  message: string;
}

function errorId(path: string): string {
  return `action-error-${path.replace(/[^a-z0-9_-]/gi, "-")}`;
}

/** Marks an input invalid and points it at the message when the problem names `path`. */
export function invalidProps(problem: Problem | null, path: string): Record<string, string> {
  if (problem?.field !== path) return {};
  return { "aria-invalid": "true", "aria-describedby": errorId(path) };
}

export function FieldProblem({ problem, path }: { problem: Problem | null; path: string }) {
  if (problem?.field !== path) return null;
  return (
    <small className="field-error" id={errorId(path)} data-testid={`action-error-${path}`}>
      {problem.message}
    </small>
  );
}

/** A label, a text input (or textarea), help and the field's error. */
export function TextField({
  id,
  label,
  path,
  value,
  onChange,
  problem,
  multiline = false,
  type = "text",
  placeholder,
  help,
}: {
  id: string;
  label: string;
  path: string;
  value: string;
  onChange: (value: string) => void;
  problem: Problem | null;
  multiline?: boolean;
  type?: string;
  placeholder?: string;
  help?: ReactNode;
}) {
  const common = {
    id,
    "data-testid": id,
    value,
    placeholder,
    ...invalidProps(problem, path),
  };
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {multiline ? (
        <textarea rows={3} {...common} onChange={(e) => onChange(e.target.value)} />
      ) : (
        <input type={type} {...common} onChange={(e) => onChange(e.target.value)} />
      )}
      {help && <small className="help">{help}</small>}
      <FieldProblem problem={problem} path={path} />
    </div>
  );
}

/** A label and a select of choices. */
export function SelectField<T extends string>({
  id,
  label,
  path,
  value,
  choices,
  onChange,
  problem,
}: {
  id: string;
  label: string;
  path: string;
  value: T;
  choices: { value: T; label: string }[];
  onChange: (value: T) => void;
  problem: Problem | null;
}) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        data-testid={id}
        value={value}
        onChange={(e) => onChange(e.target.value as T)}
        {...invalidProps(problem, path)}
      >
        {choices.map((c) => (
          <option key={c.value} value={c.value}>
            {c.label}
          </option>
        ))}
      </select>
      <FieldProblem problem={problem} path={path} />
    </div>
  );
}

/** The user's feeds as choices, keeping a value that is not among them (a shared feed). */
export function feedChoices(feeds: { key: string; name: string }[], current: string) {
  const choices = [
    { value: "", label: "Choose a feed…" },
    ...feeds.map((f) => ({ value: f.key, label: `${f.name} (${f.key})` })),
  ];
  if (current && !feeds.some((f) => f.key === current)) choices.push({ value: current, label: current });
  return choices;
}
