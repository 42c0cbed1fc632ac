/** What a template may use; "Preview" under a field shows what it gives. */
import { Fragment } from "react";

const VARIABLES: [string, string][] = [
  ["{{ value }}", "the value that fired the action"],
  ["{{ feed.name }}", "the name of its feed"],
  ["{{ feed.key }}", "the key of its feed"],
  ["{{ feeds['key'].value }}", "the last value of another feed (group.key for a feed in a group)"],
  ["{{ user.username }}", "your username"],
  ["{{ created_at }}", "when the value was stored (ISO 8601, UTC)"],
];

export function TemplateVariables() {
  return (
    <details className="template-help" data-testid="action-template-help">
      <summary>Template variables</summary>
      <p className="small muted">
        Subjects, bodies, values and messages are Jinja2 templates. <strong>Preview</strong> under a
        field shows what it gives with the trigger feed&apos;s last value; <strong>Run now</strong> on
        the action&apos;s page runs the saved action.
      </p>
      <dl className="kv">
        {VARIABLES.map(([name, meaning]) => (
          <Fragment key={name}>
            <dt>
              <code>{name}</code>
            </dt>
            <dd>{meaning}</dd>
          </Fragment>
        ))}
      </dl>
      <p className="small muted">
        Filters work too: <code>{"{{ value | float > 30 }}"}</code>,{" "}
        <code>{"{{ '%.1f' | format(value | float) }}"}</code>, <code>{"{{ value | tojson }}"}</code>.
      </p>
    </details>
  );
}
