/** A feed's retention tiers as the feed form edits them: text per tier, to the API's object. */

export const TIERS = ["raw", "minute", "hour", "day"] as const;
export type Tier = (typeof TIERS)[number];
/** Days per tier; null: forever. */
export type Retention = Partial<Record<Tier, number | null>>;

export const TIER_LABELS: Record<Tier, string> = {
  raw: "Every point",
  minute: "Per-minute summaries",
  hour: "Per-hour summaries",
  day: "Per-day summaries",
};

/** What the field shows for a tier: blank when the feed follows the default. */
export function tierText(own: Retention, tier: Tier): string {
  if (!(tier in own)) return "";
  const days = own[tier];
  return days === null || days === undefined ? "forever" : String(days);
}

export function daysText(days: number | null | undefined): string {
  return days === null || days === undefined ? "forever" : `${days} day${days === 1 ? "" : "s"}`;
}

/** The feed's own tiers from the fields: blank follows the default, "forever" is null, else
 * a whole number of days; an error message for anything else. */
export function parseTiers(texts: Record<Tier, string>): Retention | string {
  const own: Retention = {};
  for (const tier of TIERS) {
    const text = texts[tier].trim().toLowerCase();
    if (!text) continue;
    if (text === "forever") {
      own[tier] = null;
    } else if (/^\d+$/.test(text) && Number(text) >= 1) {
      own[tier] = Number(text);
    } else {
      return `${TIER_LABELS[tier]}: a number of days, "forever", or blank for the default.`;
    }
  }
  return own;
}
