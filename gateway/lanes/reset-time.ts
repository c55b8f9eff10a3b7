// Reads the reset moment out of Codex's usage-limit text. Codex prints it in the process's local
// time zone; codex-lanes runs codex with TZ=UTC, so the wall-clock time here is UTC.
//   same day:     "… or try again at 3:18 AM."
//   another day:  "… or try again at Nov 25th, 2026 1:56 AM."
//   no reset:     "… or try again later." / "… Try again later."

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

const DATED = /try again at ([A-Za-z]{3})[a-z]* (\d{1,2})(?:st|nd|rd|th)?,? (\d{4}),? (\d{1,2}):(\d{2})\s*([AP]M)/i;
const SAME_DAY = /try again at (\d{1,2}):(\d{2})\s*([AP]M)/i;

/**
 * Epoch ms of the reset, or undefined when the text names none. Codex prints the time to the
 * minute, cutting the seconds, so the reset lies somewhere in that minute: we answer its end, so a
 * lane never comes back before its window has really reset.
 */
export function parseResetFromMessage(message: string, now: number): number | undefined {
  const dated = DATED.exec(message);
  if (dated) {
    const [, mon = "", day, year, h, min, meridiem = ""] = dated;
    const month = MONTHS.indexOf(mon.toLowerCase());
    if (month < 0) return undefined;
    const hour = hour24(Number(h), meridiem);
    if (hour === undefined) return undefined;
    const start = Date.UTC(Number(year), month, Number(day), hour, Number(min));
    return Number.isFinite(start) ? start + MINUTE_MS : undefined;
  }
  const sameDay = SAME_DAY.exec(message);
  if (!sameDay) return undefined;
  const [, h, min, meridiem = ""] = sameDay;
  const hour = hour24(Number(h), meridiem);
  const minute = Number(min);
  if (hour === undefined || minute > 59) return undefined;
  const today = new Date(now);
  let start = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate(), hour, minute);
  // A time whose whole minute is already behind us can only mean the same time tomorrow.
  if (start + MINUTE_MS <= now) start += DAY_MS;
  return start + MINUTE_MS;
}

function hour24(hour12: number, meridiem: string): number | undefined {
  if (hour12 < 1 || hour12 > 12) return undefined;
  const base = hour12 % 12;
  return meridiem.toUpperCase() === "PM" ? base + 12 : base;
}
