// Share link lifetimes: R2 signs for 1 second to 7 days. Presets cover the usual cases; the
// custom field takes a number and a unit.

export const MAX_EXPIRY_SECS = 7 * 24 * 3600;

export const PRESETS = [
  { id: '1h', label: '1 hour', secs: 3600 },
  { id: '1d', label: '1 day', secs: 24 * 3600 },
  { id: '7d', label: '7 days', secs: MAX_EXPIRY_SECS },
] as const;

/** The lifetime a link gets unless someone picks another: one-click "Copy link" and the Share dialog's first choice. */
export const DEFAULT_PRESET = '1d';
export const DEFAULT_SHARE_SECS = 24 * 3600;

export type Unit = 'minutes' | 'hours' | 'days';
const UNIT_SECS: Record<Unit, number> = { minutes: 60, hours: 3600, days: 24 * 3600 };

/** Seconds for a custom amount, or an error in words when outside R2's limits. */
export function customExpiry(amount: string, unit: Unit): { secs: number } | { error: string } {
  const value = Number(amount.trim());
  if (amount.trim() === '' || !Number.isFinite(value) || value <= 0) return { error: 'Enter how long the link should work.' };
  const secs = Math.round(value * UNIT_SECS[unit]);
  if (secs < 1) return { error: 'A link must work for at least 1 second.' };
  if (secs > MAX_EXPIRY_SECS) return { error: 'R2 signs links for at most 7 days.' };
  return { secs };
}

/** "in 1 hour", "in 3 days", "in 45 minutes": how the toast names a lifetime. */
export function describeExpiry(secs: number): string {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (secs % 86400 === 0) return `in ${plural(secs / 86400, 'day')}`;
  if (secs % 3600 === 0) return `in ${plural(secs / 3600, 'hour')}`;
  if (secs >= 60 && secs % 60 === 0) return `in ${plural(secs / 60, 'minute')}`;
  return `in ${plural(secs, 'second')}`;
}
