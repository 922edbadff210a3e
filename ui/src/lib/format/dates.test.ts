import { describe, expect, it } from 'vitest';
import { formatAbsolute, formatRelative } from './dates';

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
