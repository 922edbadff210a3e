import { describe, expect, it } from 'vitest';
import { formatAbsolute, formatAge, formatExpiry, formatRelative } from './dates';

// Built with local-time constructors, so the tests mean the same in every time zone.
const now = new Date(2025, 0, 28, 15, 0, 0);

describe('formatRelative', () => {
  it('says "today" with the time for the same calendar day', () => {
    expect(formatRelative(new Date(2025, 0, 28, 12, 34), now)).toBe('today 12:34');
    expect(formatRelative(new Date(2025, 0, 28, 0, 0), now)).toBe('today 00:00');
  });

  it('says "yesterday" for the previous calendar day, even minutes before midnight', () => {
    expect(formatRelative(new Date(2025, 0, 27, 9, 10), now)).toBe('yesterday 09:10');
    const justAfterMidnight = new Date(2025, 0, 28, 0, 5);
    expect(formatRelative(new Date(2025, 0, 27, 23, 59), justAfterMidnight)).toBe('yesterday 23:59');
  });

  it('gives the date for anything older', () => {
    expect(formatRelative(new Date(2025, 0, 26, 23, 59), now)).toBe('26 Jan 2025');
    expect(formatRelative(new Date(2024, 11, 31, 8, 0), now)).toBe('31 Dec 2024');
  });

  it('knows yesterday across a month and a year boundary', () => {
    expect(formatRelative(new Date(2024, 11, 31, 22, 1), new Date(2025, 0, 1, 7, 0))).toBe('yesterday 22:01');
    expect(formatRelative(new Date(2025, 1, 28, 6, 30), new Date(2025, 2, 1, 7, 0))).toBe('yesterday 06:30');
  });

  it('gives the date for a future day (clock skew), not "today"', () => {
    expect(formatRelative(new Date(2025, 0, 29, 9, 0), now)).toBe('29 Jan 2025');
  });

  it('accepts ISO strings and epoch milliseconds', () => {
    const d = new Date(2025, 0, 28, 12, 34);
    expect(formatRelative(d.toISOString(), now)).toBe('today 12:34');
    expect(formatRelative(d.getTime(), now)).toBe('today 12:34');
  });

  it('shows a dash for an unreadable date', () => {
    expect(formatRelative('not a date', now)).toBe('—');
  });
});

describe('formatAbsolute', () => {
  it('gives the full local date and time', () => {
    expect(formatAbsolute(new Date(2025, 0, 27, 12, 34, 5))).toBe('27 Jan 2025, 12:34:05');
  });
});

describe('formatExpiry', () => {
  const at = (ms: number) => new Date(now.getTime() + ms);
  const [s, min, h, day] = [1000, 60_000, 3_600_000, 86_400_000];

  it('counts minutes in the last hour, rounding down', () => {
    expect(formatExpiry(at(58 * min + 59 * s), now)).toBe('expires in 58 min');
    expect(formatExpiry(at(1 * min), now)).toBe('expires in 1 min');
    expect(formatExpiry(at(59 * min + 59 * s), now)).toBe('expires in 59 min');
  });

  it('counts hours up to two days, then days', () => {
    expect(formatExpiry(at(1 * h), now)).toBe('expires in 1 h');
    expect(formatExpiry(at(23 * h + 59 * min), now)).toBe('expires in 23 h');
    expect(formatExpiry(at(47 * h), now)).toBe('expires in 47 h');
    expect(formatExpiry(at(2 * day), now)).toBe('expires in 2 days');
    expect(formatExpiry(at(7 * day - s), now)).toBe('expires in 6 days');
  });

  it('says how long ago an expired link stopped working', () => {
    expect(formatExpiry(at(-2 * h - 10 * min), now)).toBe('expired 2 h ago');
    expect(formatExpiry(at(-5 * min), now)).toBe('expired 5 min ago');
    expect(formatExpiry(at(-3 * day), now)).toBe('expired 3 days ago');
  });

  it('never says "in 0 min" or "0 min ago"', () => {
    expect(formatExpiry(at(30 * s), now)).toBe('expires in seconds');
    expect(formatExpiry(now, now)).toBe('expired just now');
    expect(formatExpiry(at(-59 * s), now)).toBe('expired just now');
  });

  it('accepts ISO strings and shows a dash for an unreadable date', () => {
    expect(formatExpiry(at(6 * h).toISOString(), now)).toBe('expires in 6 h');
    expect(formatExpiry('soon', now)).toBe('—');
  });
});

describe('formatAge', () => {
  const ago = (ms: number) => new Date(now.getTime() - ms);
  const [s, min, h, day] = [1000, 60_000, 3_600_000, 86_400_000];

  it('reads "just now" under a minute, and for a clock a little ahead', () => {
    expect(formatAge(ago(59 * s), now)).toBe('just now');
    expect(formatAge(ago(-5 * s), now)).toBe('just now');
  });

  it('counts minutes, hours and days, rounded down so a report never looks fresher', () => {
    expect(formatAge(ago(5 * min + 59 * s), now)).toBe('5 min ago');
    expect(formatAge(ago(59 * min), now)).toBe('59 min ago');
    expect(formatAge(ago(3 * h + 40 * min), now)).toBe('3 h ago');
    expect(formatAge(ago(day + h), now)).toBe('1 day ago');
    expect(formatAge(ago(29 * day), now)).toBe('29 days ago');
  });

  it('gives the date from 30 days on, and a dash for an unreadable one', () => {
    expect(formatAge(new Date(2024, 11, 1, 9, 0), now)).toBe('1 Dec 2024');
    expect(formatAge('2025-01-28T14:55:00Z', new Date('2025-01-28T15:00:00Z'))).toBe('5 min ago');
    expect(formatAge('yesterday', now)).toBe('—');
  });
});
