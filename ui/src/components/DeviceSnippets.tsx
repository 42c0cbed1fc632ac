/** Code to connect a device, in Python, CircuitPython and Arduino, for one target. */
import { useState } from "react";
import { arduinoSnippet, circuitPythonSnippet, pythonSnippet } from "../lib/snippets";
import type { Target } from "../lib/snippets";
import { Snippet } from "./Snippet";

const TABS = [
  ["python", "Python", pythonSnippet],
  ["circuitpython", "CircuitPython", circuitPythonSnippet],
  ["arduino", "Arduino", arduinoSnippet],
] as const;

type Tab = (typeof TABS)[number][0];

/** `testIdPrefix` names the tabs `{prefix}-{python,circuitpython,arduino}`. */
export function DeviceSnippets({
  target,
  testIdPrefix = "snippet-tab",
}: {
  target: Target;
  testIdPrefix?: string;
}) {
  const [tab, setTab] = useState<Tab>("python");
  const [, , render] = TABS.find(([id]) => id === tab) ?? TABS[0];
  return (
    <>
      <div className="tabs" role="tablist">
        {TABS.map(([id, label]) => (
          <button
            key={id}
            type="button"
            role="tab"
            aria-selected={tab === id}
            data-testid={`${testIdPrefix}-${id}`}
            onClick={() => setTab(id)}
          >
            {label}
          </button>
        ))}
      </div>
      <Snippet code={render(target)} label={`${tab} — points at ${target.origin}`} />
    </>
  );
}
