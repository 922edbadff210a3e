// Dates as the file table shows them: "today 12:34", "yesterday 09:10", else
// "27 Jan 2025", always in the user's local time zone, 24-hour clock; a link's
// expiry as a distance from now ("expires in 23 h"). The exact time for tooltips
// comes from formatAbsolute. `now` is passed in so callers and tests decide what
// "today" is.

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const pad = (n: number): string => n.toString().padStart(2, '0');

function sameDay(a: Date, b: Date): boolean {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

function toDate(value: Date | string | number): Date {
  return value instanceof Date ? value : new Date(value);
}

function clock(date: Date): string {
  return `${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function day(date: Date): string {
  return `${date.getDate()} ${MONTHS[date.getMonth()]} ${date.getFullYear()}`;
}

export function formatRelative(value: Date | string | number, now: Date = new Date()): string {
  const date = toDate(value);
  if (Number.isNaN(date.getTime())) return '—';
  if (sameDay(date, now)) return `today ${clock(date)}`;
  // Calendar arithmetic rather than "minus 24 h", so DST days count as one day.
  const yesterday = new Date(now.getFullYear(), now.getMonth(), now.getDate() - 1);
  if (sameDay(date, yesterday)) return `yesterday ${clock(date)}`;
  return day(date);
}

/** "27 Jan 2025, 12:34:56" in local time. */
export function formatAbsolute(value: Date | string | number): string {
  const date = toDate(value);
  if (Number.isNaN(date.getTime())) return '—';
  return `${day(date)}, ${clock(date)}:${pad(date.getSeconds())}`;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** "58 min", "23 h", "6 days": a distance rounded down, so a link never seems to last longer than it does. */
function distance(ms: number): string {
  if (ms < HOUR) return `${Math.floor(ms / MINUTE)} min`;
  // Hours up to two days: "in 1 day" would hide that a 47-hour link has nearly two.
  if (ms < 2 * DAY) return `${Math.floor(ms / HOUR)} h`;
  return `${Math.floor(ms / DAY)} days`;
}

/**
 * A link's expiry relative to `now`: "expires in 58 min", "expires in 23 h", "expires in 6 days",
 * "expired 2 h ago"; under a minute either way, "expires in seconds" or "expired just now".
 */
export function formatExpiry(value: Date | string | number, now: Date): string {
  const date = toDate(value);
  if (Number.isNaN(date.getTime())) return '—';
  const left = date.getTime() - now.getTime();
  if (left >= MINUTE) return `expires in ${distance(left)}`;
  if (left > 0) return 'expires in seconds';
  if (-left < MINUTE) return 'expired just now';
  return `expired ${distance(-left)} ago`;
}

/**
 * How old something is, for "as of …" lines: "just now", "5 min ago", "3 h ago", "2 days ago",
 * then the date ("27 Jan 2025") from 30 days on. Rounded down, so a report never seems fresher
 * than it is; a time ahead of `now` (another machine's clock) reads "just now".
 */
export function formatAge(value: Date | string | number, now: Date): string {
  const date = toDate(value);
  if (Number.isNaN(date.getTime())) return '—';
  const age = now.getTime() - date.getTime();
  if (age < MINUTE) return 'just now';
  if (age < HOUR) return `${Math.floor(age / MINUTE)} min ago`;
  if (age < DAY) return `${Math.floor(age / HOUR)} h ago`;
  const days = Math.floor(age / DAY);
  if (days < 30) return days === 1 ? '1 day ago' : `${days} days ago`;
  return day(date);
}
