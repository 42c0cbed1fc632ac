/** Token expiry: the choices of the create form as ISO-8601 times, and how a list shows one. */
import { fromLocalInput } from "./chartRange";

export type ExpiryChoice = "never" | "1d" | "7d" | "30d" | "90d" | "custom";

export const EXPIRY_CHOICES: readonly { value: ExpiryChoice; label: string }[] = [
  { value: "never", label: "Never" },
  { value: "1d", label: "In 1 day" },
  { value: "7d", label: "In 7 days" },
  { value: "30d", label: "In 30 days" },
  { value: "90d", label: "In 90 days" },
  { value: "custom", label: "On a date…" },
];

const DAY_MS = 86_400_000;
const DAYS: Partial<Record<ExpiryChoice, number>> = { "1d": 1, "7d": 7, "30d": 30, "90d": 90 };

/**
 * The `expiration` to send: null for never, else an ISO-8601 time. `custom` is the text of a
 * datetime-local input. Throws an Error with a message for the form when it is not usable.
 */
export function expirationFor(choice: ExpiryChoice, now: Date, custom = ""): string | null {
  if (choice === "never") return null;
  if (choice === "custom") {
    const at = fromLocalInput(custom);
    if (!at) throw new Error("Choose the date and time the token stops working.");
    if (at.getTime() <= now.getTime()) throw new Error("Choose an expiry in the future.");
    return at.toISOString();
  }
  return new Date(now.getTime() + (DAYS[choice] ?? 0) * DAY_MS).toISOString();
}

export function isExpired(expiration: string | null, now = Date.now()): boolean {
  if (!expiration) return false;
  const t = Date.parse(expiration);
  return !Number.isNaN(t) && t <= now;
}

/** "never", "expired", "in 3 days", "in 5 h", "in 12 min". */
export function expiresIn(expiration: string | null, now = Date.now()): string {
  if (!expiration) return "never";
  const t = Date.parse(expiration);
  if (Number.isNaN(t)) return expiration;
  const s = Math.round((t - now) / 1000);
  if (s <= 0) return "expired";
  if (s < 3600) return `in ${Math.max(1, Math.round(s / 60))} min`;
  if (s < 48 * 3600) return `in ${Math.round(s / 3600)} h`;
  return `in ${Math.round(s / 86_400)} days`;
}
