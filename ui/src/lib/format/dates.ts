// Dates as the file table shows them: "today 12:34", "yesterday 09:10", else
// "27 Jan 2025", always in the user's local time zone, 24-hour clock. The exact
// time for tooltips comes from formatAbsolute. `now` is passed in so callers and
// tests decide what "today" is.

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
