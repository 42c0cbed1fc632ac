/** The outputs of the action form: one editor per output, add and remove. */
import { useState } from "react";
import type { OutputType } from "../api/actions";
import type { OutputDraft } from "../lib/actionDraft";
import { newOutput, OUTPUT_TYPES } from "../lib/actionDraft";
import type { Problem } from "./fields";
import { feedChoices, FieldProblem, SelectField, TextField } from "./fields";
import type { Previewer } from "./PreviewTemplate";
import { PreviewTemplate } from "./PreviewTemplate";

const MAX_OUTPUTS = 10;

interface EditorProps {
  index: number;
  output: OutputDraft;
  feeds: { key: string; name: string }[];
  problem: Problem | null;
  onChange: (output: OutputDraft) => void;
  preview: Previewer;
}

/** The fields of one output; ids and error paths are `outputs[i].field`. Each template
 * field has a preview under it. */
function OutputEditor({ index, output, feeds, problem, onChange, preview }: EditorProps) {
  const field = (name: string) => ({
    id: `action-output-${index}-${name}`,
    path: `outputs[${index}].${name}`,
    problem,
  });
  const previewOf = (name: string, label: string, template: string) => (
    <PreviewTemplate index={index} field={name} label={label} template={template} preview={preview} />
  );
  switch (output.type) {
    case "email":
      return (
        <>
          <TextField
            {...field("to")}
            label="To"
            type="email"
            value={output.to}
            onChange={(to) => onChange({ ...output, to })}
            placeholder="me@example.com"
          />
          <TextField {...field("subject")} label="Subject" value={output.subject} onChange={(subject) => onChange({ ...output, subject })} />
          {previewOf("subject", "Subject", output.subject)}
          <TextField {...field("body")} label="Body" multiline value={output.body} onChange={(body) => onChange({ ...output, body })} />
          {previewOf("body", "Body", output.body)}
        </>
      );
    case "webhook":
      return (
        <>
          <TextField
            {...field("url")}
            label="URL"
            type="url"
            value={output.url}
            onChange={(url) => onChange({ ...output, url })}
            placeholder="https://example.com/hook"
          />
          <SelectField<"json" | "form">
            {...field("format")}
            label="Format"
            value={output.format}
            choices={[
              { value: "json", label: "JSON" },
              { value: "form", label: "form (x-www-form-urlencoded)" },
            ]}
            onChange={(format) => onChange({ ...output, format })}
          />
          <TextField
            {...field("body")}
            label="Body"
            multiline
            value={output.body}
            onChange={(body) => onChange({ ...output, body })}
            help="Empty: the point as JSON."
          />
          {previewOf("body", "Body", output.body)}
          <TextField
            {...field("headers")}
            label="Headers"
            multiline
            value={output.headers}
            onChange={(headers) => onChange({ ...output, headers })}
            placeholder="Authorization: Bearer …"
            help="One per line, Name: value."
          />
        </>
      );
    case "publish":
      return (
        <>
          <SelectField
            {...field("feed")}
            label="Feed"
            value={output.feed}
            choices={feedChoices(feeds, output.feed)}
            onChange={(feed) => onChange({ ...output, feed })}
          />
          <TextField {...field("value")} label="Value" value={output.value} onChange={(value) => onChange({ ...output, value })} />
          {previewOf("value", "Value", output.value)}
        </>
      );
    case "log":
      return (
        <>
          <TextField {...field("message")} label="Message" value={output.message} onChange={(message) => onChange({ ...output, message })} />
          {previewOf("message", "Message", output.message)}
        </>
      );
  }
}

export function OutputFields({
  outputs,
  feeds,
  problem,
  onChange,
  preview,
}: {
  outputs: OutputDraft[];
  feeds: { key: string; name: string }[];
  problem: Problem | null;
  onChange: (outputs: OutputDraft[]) => void;
  /** Renders a template field with the trigger feed's last value. */
  preview: Previewer;
}) {
  const [adding, setAdding] = useState<OutputType>("email");
  const label = (type: OutputType) => OUTPUT_TYPES.find((t) => t.value === type)?.label ?? type;
  return (
    <fieldset className="fieldset" data-testid="action-outputs">
      <legend>Outputs</legend>
      {outputs.map((output, i) => (
        <div key={i} className="action-output" data-testid={`action-output-${i}`} data-type={output.type}>
          <div className="action-output-head">
            <h3>
              {i + 1}. {label(output.type)}
            </h3>
            <button
              type="button"
              className="btn btn-small btn-danger-outline"
              aria-label={`Remove output ${i + 1} (${label(output.type)})`}
              data-testid={`action-output-${i}-remove`}
              disabled={outputs.length === 1}
              onClick={() => onChange(outputs.filter((_, j) => j !== i))}
            >
              Remove
            </button>
          </div>
          <OutputEditor
            index={i}
            output={output}
            feeds={feeds}
            problem={problem}
            onChange={(next) => onChange(outputs.map((o, j) => (j === i ? next : o)))}
            preview={preview}
          />
          <FieldProblem problem={problem} path={`outputs[${i}]`} />
        </div>
      ))}
      <FieldProblem problem={problem} path="outputs" />
      {outputs.length < MAX_OUTPUTS && (
        <div className="inline-form">
          <label htmlFor="action-output-add-type" className="sr-only">
            Kind of output to add
          </label>
          <select
            id="action-output-add-type"
            data-testid="action-output-add-type"
            value={adding}
            onChange={(e) => setAdding(e.target.value as OutputType)}
          >
            {OUTPUT_TYPES.map((t) => (
              <option key={t.value} value={t.value}>
                {t.label}
              </option>
            ))}
          </select>
          <button
            type="button"
            className="btn btn-small"
            data-testid="action-output-add"
            onClick={() => onChange([...outputs, newOutput(adding)])}
          >
            Add output
          </button>
        </div>
      )}
    </fieldset>
  );
}
