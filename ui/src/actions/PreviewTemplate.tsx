/** "Preview" under a template field: the server renders the field's text with the trigger
 * feed's last value; the result (or why it cannot render) shows under the field. */
import { useRef, useState } from "react";
import type { TemplatePreview } from "../api/actions";

/** Renders a template with the form's trigger feed. */
export type Previewer = (template: string) => Promise<TemplatePreview>;

/** A result is for the text it was asked for; once the field changes it is no longer shown. */
type Shown = { template: string; preview: TemplatePreview } | { template: string; error: string };

export function PreviewTemplate({
  index,
  field,
  label,
  template,
  preview,
}: {
  index: number;
  field: string;
  /** The field's label, for the button's accessible name. */
  label: string;
  template: string;
  preview: Previewer;
}) {
  const [shown, setShown] = useState<Shown | null>(null);
  const [busy, setBusy] = useState(false);
  const asked = useRef(0);
  const id = `${index}-${field}`;

  const run = async () => {
    const ask = ++asked.current;
    setBusy(true);
    try {
      const result = await preview(template);
      if (ask === asked.current) setShown({ template, preview: result });
    } catch (err) {
      if (ask === asked.current) setShown({ template, error: err instanceof Error ? err.message : String(err) });
    } finally {
      if (ask === asked.current) setBusy(false);
    }
  };

  const current = shown?.template === template ? shown : null;
  return (
    <div className="template-preview">
      <button
        type="button"
        className="btn btn-small"
        data-testid={`preview-${id}`}
        aria-label={`Preview ${label} of output ${index + 1}`}
        disabled={busy || template === ""}
        onClick={() => void run()}
      >
        Preview
      </button>
      <div role="status" aria-live="polite">
        {current && "error" in current && (
          <small className="field-error" data-testid={`preview-error-${id}`}>
            {current.error}
          </small>
        )}
        {current && "preview" in current && (
          <>
            <pre className="template-preview-text" data-testid={`preview-text-${id}`}>
              {current.preview.text}
            </pre>
            <small className="muted">
              {current.preview.value === null ? (
                "No trigger value: the feed has none, or the trigger is a schedule."
              ) : (
                <>
                  With the trigger feed&apos;s last value <span className="mono">{current.preview.value}</span>.
                </>
              )}
            </small>
          </>
        )}
      </div>
    </div>
  );
}
