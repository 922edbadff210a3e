// The month-by-month chart's numbers: which months it shows (the last MONTHS up to the report's
// own month, a month with nothing stored drawn as an empty slot rather than left out, so the
// bars' spacing is time), the scale (a round top value, so the axis reads "2 GB", not
// "1.87 GB"), and where each bar and label goes. Pure; the component draws it in plain SVG.

import type { Month } from '../ipc';

/** How many months the chart shows at most. */
export const MONTHS = 24;

const NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export type MonthPoint = { month: string; objects: number; bytes: number };

/** "2025-01" → a count of months (year × 12 + month − 1); null for anything else. */
export function monthIndex(month: string): number | null {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  if (!m) return null;
  const [year, number] = [Number(m[1]), Number(m[2])];
  return number >= 1 && number <= 12 ? year * 12 + number - 1 : null;
}

export function monthKey(index: number): string {
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/** "2025-01" → "Jan" and "2025", for the axis; "Jan 2025" together for a tooltip. */
export function monthName(month: string): { short: string; year: string; long: string } {
  const index = monthIndex(month);
  if (index === null) return { short: month, year: '', long: month };
  const short = NAMES[index % 12];
  const year = String(Math.floor(index / 12));
  return { short, year, long: `${short} ${year}` };
}

/**
 * The months to draw, oldest first: from the first month with files (or MONTHS back) to the
 * last, or to `until` (the report's month) when that is later. What came before the window is
 * summed in `older`.
 */
export function monthSeries(months: readonly Month[], until: string | null = null, max = MONTHS): { points: MonthPoint[]; older: { objects: number; bytes: number } } {
  const known = new Map<number, { objects: number; bytes: number }>();
  for (const m of months) {
    const index = monthIndex(m.month);
    if (index === null) continue;
    const had = known.get(index) ?? { objects: 0, bytes: 0 };
    known.set(index, { objects: had.objects + m.objects, bytes: had.bytes + m.bytes });
  }
  const older = { objects: 0, bytes: 0 };
  if (known.size === 0) return { points: [], older };
  const indexes = [...known.keys()];
  const end = Math.max(...indexes, (until !== null ? monthIndex(until) : null) ?? -Infinity);
  const start = Math.max(Math.min(...indexes), end - max + 1);
  for (const [index, count] of known) {
    if (index < start) {
      older.objects += count.objects;
      older.bytes += count.bytes;
    }
  }
  const points: MonthPoint[] = [];
  for (let index = start; index <= end; index++) {
    const count = known.get(index) ?? { objects: 0, bytes: 0 };
    points.push({ month: monthKey(index), ...count });
  }
  return { points, older };
}

/** The smallest of 1, 2, 2.5 or 5 × 10ⁿ that is at least `value`: the axis's top. */
export function niceCeiling(value: number): number {
  if (!Number.isFinite(value) || value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) {
    // A hair of tolerance: 3 × 0.1 is 0.30000000000000004.
    if (step * power >= value * (1 - 1e-12)) return step * power;
  }
  return 10 * power;
}

export type Bar = { x: number; y: number; width: number; height: number; point: MonthPoint };

/**
 * Each month's bar in a plot `width` × `height` (SVG units, y down), scaled to `top`. Bars take
 * 70% of their slot; a month with anything stored is at least 1 unit tall, so it never looks empty.
 */
export function monthBars(points: readonly MonthPoint[], width: number, height: number, top: number): Bar[] {
  if (points.length === 0) return [];
  const slot = width / points.length;
  const barWidth = Math.max(1, slot * 0.7);
  return points.map((point, i) => {
    const raw = top > 0 ? (point.bytes / top) * height : 0;
    const barHeight = point.bytes > 0 ? Math.max(1, Math.min(height, raw)) : 0;
    return { x: i * slot + (slot - barWidth) / 2, y: height - barHeight, width: barWidth, height: barHeight, point };
  });
}

/** Label every nth month so labels of about `labelWidth` never touch: 1, 2, 3, 4, 6 or 12. */
export function labelEvery(slot: number, labelWidth = 26): number {
  for (const n of [1, 2, 3, 4, 6]) if (slot * n >= labelWidth) return n;
  return 12;
}

export type AxisLabel = { index: number; short: string; year: string | null };

/**
 * The months labelled under the bars, every `every`th from the first; a label carries its year
 * when it is the first labelled or the year changed since the last one labelled.
 */
export function axisLabels(points: readonly MonthPoint[], every: number): AxisLabel[] {
  const labels: AxisLabel[] = [];
  let lastYear: string | null = null;
  for (let index = 0; index < points.length; index += Math.max(1, every)) {
    const { short, year } = monthName(points[index].month);
    labels.push({ index, short, year: year !== lastYear ? year : null });
    lastYear = year;
  }
  return labels;
}
