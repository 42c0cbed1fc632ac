/** The trigger part of the action form: a feed's values compared to a constant or another
 * feed, or a schedule; with the delay and cooldown. */
import { useMemo } from "react";
import type { DelayMode, Operator, When } from "../api/actions";
import type { ActionDraft } from "../lib/actionDraft";
import { OPERATORS, WHENS } from "../lib/actionDraft";
import { timeZones } from "../lib/timeZones";
import type { Problem } from "./fields";
import { feedChoices, SelectField, TextField } from "./fields";

type Change = (patch: Partial<ActionDraft>) => void;

interface Props {
  draft: ActionDraft;
  feeds: { key: string; name: string }[];
  problem: Problem | null;
  onChange: Change;
}

function DataFields({ draft, feeds, problem, onChange }: Props) {
  const compared = draft.operator !== "any";
  return (
    <>
      <div className="form-row">
        <SelectField
          id="action-feed"
          label="Feed"
          path="trigger.feed"
          value={draft.feed}
          choices={feedChoices(feeds, draft.feed)}
          onChange={(feed) => onChange({ feed })}
          problem={problem}
        />
        <SelectField<Operator>
          id="action-operator"
          label="Condition"
          path="trigger.operator"
          value={draft.operator}
          choices={OPERATORS}
          onChange={(operator) => onChange({ operator })}
          problem={problem}
        />
      </div>
      {compared && (
        <div className="form-row">
          <SelectField<"value" | "feed">
            id="action-compare-to"
            label="Compare to"
            path="trigger.compare_to"
            value={draft.compareTo}
            choices={[
              { value: "value", label: "a value" },
              { value: "feed", label: "another feed's last value" },
            ]}
            onChange={(compareTo) => onChange({ compareTo })}
            problem={problem}
          />
          {draft.compareTo === "value" ? (
            <TextField
              id="action-value"
              label="Value"
              path="trigger.value"
              value={draft.value}
              onChange={(value) => onChange({ value })}
              problem={problem}
              placeholder="30"
            />
          ) : (
            <SelectField
              id="action-compare-feed"
              label="Other feed"
              path="trigger.compare_feed"
              value={draft.compareFeed}
              choices={feedChoices(feeds, draft.compareFeed)}
              onChange={(compareFeed) => onChange({ compareFeed })}
              problem={problem}
            />
          )}
        </div>
      )}
      <SelectField<When>
        id="action-when"
        label="Run"
        path="trigger.when"
        value={draft.when}
        choices={WHENS}
        onChange={(when) => onChange({ when })}
        problem={problem}
      />
      <div className="form-row">
        <TextField
          id="action-delay"
          label="Delay (seconds)"
          path="delay_seconds"
          type="number"
          value={draft.delaySeconds}
          onChange={(delaySeconds) => onChange({ delaySeconds })}
          problem={problem}
          help="0: at once. At most 86400 (a day)."
        />
        <SelectField<DelayMode>
          id="action-delay-mode"
          label="During the delay"
          path="delay_mode"
          value={draft.delayMode}
          choices={[
            { value: "reset", label: "run only if it still holds (reset)" },
            { value: "keep", label: "ignore new triggers (keep)" },
          ]}
          onChange={(delayMode) => onChange({ delayMode })}
          problem={problem}
        />
      </div>
    </>
  );
}

function ScheduleFields({ draft, problem, onChange }: Props) {
  const zones = useMemo(() => timeZones(), []);
  return (
    <div className="form-row">
      <TextField
        id="action-cron"
        label="Cron expression"
        path="trigger.cron"
        value={draft.cron}
        onChange={(cron) => onChange({ cron })}
        problem={problem}
        placeholder="0 7 * * 1-5"
        help="minute hour day month weekday, e.g. 0 7 * * 1-5 (weekdays at 07:00)"
      />
      <SelectField
        id="action-time-zone"
        label="Time zone"
        path="trigger.time_zone"
        value={draft.timeZone}
        choices={(zones.includes(draft.timeZone) ? zones : [draft.timeZone, ...zones]).map((z) => ({
          value: z,
          label: z,
        }))}
        onChange={(timeZone) => onChange({ timeZone })}
        problem={problem}
      />
    </div>
  );
}

export function TriggerFields(props: Props) {
  const { draft, problem, onChange } = props;
  return (
    <fieldset className="fieldset" data-testid="action-trigger">
      <legend>Trigger</legend>
      <SelectField<"data" | "schedule">
        id="action-trigger-type"
        label="Run on"
        path="trigger.type"
        value={draft.triggerType}
        choices={[
          { value: "data", label: "new data of a feed" },
          { value: "schedule", label: "a schedule" },
        ]}
        onChange={(triggerType) => onChange({ triggerType })}
        problem={problem}
      />
      {draft.triggerType === "data" ? <DataFields {...props} /> : <ScheduleFields {...props} />}
      <TextField
        id="action-cooldown"
        label="Cooldown (seconds)"
        path="cooldown_seconds"
        type="number"
        value={draft.cooldownSeconds}
        onChange={(cooldownSeconds) => onChange({ cooldownSeconds })}
        problem={problem}
        help="After a run, triggers are ignored this long."
      />
      {problem?.field === "trigger" && (
        <small className="field-error" data-testid="action-error-trigger">
          {problem.message}
        </small>
      )}
    </fieldset>
  );
}
