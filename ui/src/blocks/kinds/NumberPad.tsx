/** number_pad: a keypad; the number typed is sent with Send. */
import { useState } from "react";
import type { FormEvent } from "react";
import { toNumber } from "../../lib/format";
import type { BlockKind, BlockProps } from "../kind";
import { NoFeed } from "../parts/NoFeed";
import { PublishError, usePublish } from "../parts/usePublish";

const KEYS = ["7", "8", "9", "4", "5", "6", "1", "2", "3", "±", "0", "."];

function NumberPadView({ block, feeds, source }: BlockProps) {
  const feed = feeds[0];
  const { publish, error, readOnly } = usePublish(source, feed);
  const [draft, setDraft] = useState("");
  if (!feed) return <NoFeed readOnly={readOnly} />;
  const submit = async (e?: FormEvent) => {
    e?.preventDefault();
    if (draft === "" || toNumber(draft) === null) return;
    await publish(draft);
    setDraft("");
  };
  const press = (k: string) => setDraft((d) => (k === "±" ? (d.startsWith("-") ? d.slice(1) : `-${d}`) : d + k));
  return (
    <>
      <div className="block-sub">
        Current: <span data-testid={`block-value-${block.id}`}>{feed.value ?? "—"}</span>
      </div>
      <form className="slider-row" onSubmit={submit}>
        <input
          inputMode="decimal"
          aria-label={`Number for ${feed.name}`}
          data-testid={`numpad-input-${block.id}`}
          value={draft}
          disabled={readOnly}
          onChange={(e) => setDraft(e.target.value.replace(/[^0-9.eE+-]/g, ""))}
          style={{ flex: 1, minWidth: 0 }}
        />
        <button className="btn btn-small btn-primary" data-testid={`numpad-send-${block.id}`} disabled={readOnly}>
          Send
        </button>
      </form>
      {!readOnly && (
        <div className="numpad" style={{ marginTop: "0.3rem" }}>
          {KEYS.map((k) => (
            <button key={k} type="button" className="btn btn-small" data-testid={`numpad-key-${block.id}-${k}`} onClick={() => press(k)}>
              {k}
            </button>
          ))}
          <button type="button" className="btn btn-small" aria-label="Delete the last digit" onClick={() => setDraft((d) => d.slice(0, -1))}>
            ⌫
          </button>
          <button type="button" className="btn btn-small" aria-label="Clear" onClick={() => setDraft("")}>
            C
          </button>
        </div>
      )}
      <PublishError error={error} />
    </>
  );
}

export const numberPad: BlockKind = {
  meta: {
    type: "number_pad",
    label: "Number pad",
    icon: "#",
    feeds: 1,
    control: true,
    size: [4, 7],
    about: "A keypad that sends the number you type.",
  },
  View: NumberPadView,
  fields: [],
};
