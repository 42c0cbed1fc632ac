/** Icon names (as Adafruit IO's icon blocks name them, e.g. "w:day-sunny", "fa-lightbulb-o")
 * as a glyph: a few words recognised, an emoji or short text kept, anything else a dot. */
const WORDS: [RegExp, string][] = [
  [/bulb|light/, "💡"],
  [/thermo|temp/, "🌡"],
  [/sun|day/, "☀"],
  [/rain|shower/, "🌧"],
  [/snow|cold|frost/, "❄"],
  [/cloud/, "☁"],
  [/drop|water|humid/, "💧"],
  [/fire|flame|hot/, "🔥"],
  [/bolt|power|flash|energy/, "⚡"],
  [/home|house/, "🏠"],
  [/unlock/, "🔓"],
  [/lock/, "🔒"],
  [/bell|alarm/, "🔔"],
  [/heart/, "❤"],
  [/star/, "★"],
  [/fan|wind/, "🌀"],
  [/leaf|plant|tree|seed/, "🌿"],
  [/door/, "🚪"],
  [/wifi|signal/, "📶"],
  [/battery/, "🔋"],
  [/music|sound/, "🎵"],
  [/car/, "🚗"],
  [/warn|alert|exclam/, "⚠"],
  [/check|ok/, "✔"],
  [/times|close|cross/, "✖"],
  [/moon|night/, "☾"],
];

export function iconGlyph(name: string): string {
  const n = name.trim();
  if (!n) return "●";
  if (n.length <= 3 || /\p{Extended_Pictographic}/u.test(n)) return n;
  const lower = n.toLowerCase();
  for (const [re, glyph] of WORDS) if (re.test(lower)) return glyph;
  return "●";
}
