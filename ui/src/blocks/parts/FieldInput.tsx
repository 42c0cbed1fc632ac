/** One property field of the block editor, by its kind. */
import type { PropertyField } from "../kind";

export function FieldInput({ field, value, onChange }: { field: PropertyField; value: string; onChange: (v: string) => void }) {
  const id = `block-prop-${field.name}`;
  const help = field.help ? `${id}-help` : undefined;
  let input;
  if (field.kind === "select" || field.kind === "yesno") {
    const options = field.kind === "yesno" ? [{ value: "yes", label: "Yes" }, { value: "no", label: "No" }] : (field.options ?? []);
    input = (
      <select id={id} data-testid={id} aria-describedby={help} value={value || field.default || options[0]?.value} onChange={(e) => onChange(e.target.value)}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    );
  } else if (field.kind === "color") {
    input = (
      <span className="slider-row">
        <input
          id={id}
          data-testid={id}
          type="color"
          aria-describedby={help}
          value={/^#[0-9a-f]{6}$/i.test(value) ? value : field.default || "#808080"}
          onChange={(e) => onChange(e.target.value)}
        />
        {value ? (
          <button type="button" className="btn btn-small" onClick={() => onChange("")} aria-label={`Clear ${field.label}`}>
            Clear
          </button>
        ) : (
          <span className="muted small">default</span>
        )}
      </span>
    );
  } else if (field.kind === "textarea") {
    input = <textarea id={id} data-testid={id} aria-describedby={help} rows={4} value={value} onChange={(e) => onChange(e.target.value)} />;
  } else {
    input = (
      <input
        id={id}
        data-testid={id}
        aria-describedby={help}
        inputMode={field.kind === "number" ? "decimal" : undefined}
        value={value}
        onChange={(e) => onChange(e.target.value)}
      />
    );
  }
  return (
    <div className={field.kind === "textarea" ? "form block-field-wide" : "form"} style={{ gap: "0.2rem" }}>
      <label htmlFor={id}>{field.label}</label>
      {input}
      {field.help && (
        <small className="help" id={help}>
          {field.help}
        </small>
      )}
    </div>
  );
}

/** A stored property as the text its field edits. */
export function fieldText(field: PropertyField, value: unknown): string {
  if (value === undefined || value === null) return "";
  if (field.toText) return field.toText(value);
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}
