import type { Retention, Tier } from "../lib/retention";
import { TIERS, TIER_LABELS, daysText } from "../lib/retention";

/** How long a feed keeps its points and their summaries: one field per tier, blank for the
 * server's default (shown as the placeholder). */
export function RetentionFields({
  texts,
  defaults,
  onChange,
}: {
  texts: Record<Tier, string>;
  defaults: Retention;
  onChange: (tier: Tier, text: string) => void;
}) {
  const field = (tier: Tier) => (
    <div key={tier}>
      <label htmlFor={`feed-retention-${tier}`}>{TIER_LABELS[tier]}</label>
      <input
        id={`feed-retention-${tier}`}
        data-testid={`feed-retention-${tier}`}
        inputMode="numeric"
        value={texts[tier]}
        placeholder={`${daysText(defaults[tier])} (default)`}
        onChange={(e) => onChange(tier, e.target.value)}
      />
    </div>
  );
  return (
    <fieldset className="fieldset" data-testid="feed-retention">
      <legend>Keep data (days)</legend>
      <div className="form-row">{TIERS.slice(0, 2).map(field)}</div>
      <div className="form-row">{TIERS.slice(2).map(field)}</div>
      <small className="help">
        A number of days, "forever", or blank for the server's default. Charts of older times
        are drawn from the summaries.
      </small>
    </fieldset>
  );
}
