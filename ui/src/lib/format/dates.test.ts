import { describe, expect, it } from 'vitest';
import { formatAbsolute, formatExpiry, formatRelative } from './dates';

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
