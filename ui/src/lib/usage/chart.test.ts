import { describe, expect, it } from 'vitest';
import { axisLabels, labelEvery, monthBars, monthIndex, monthKey, monthName, monthSeries, niceCeiling } from './chart';

const m = (month: string, bytes: number, objects = 1) => ({ month, objects, bytes });

describe('months', () => {
  it('count months across years and back', () => {
    expect(monthIndex('2025-01')! - monthIndex('2024-12')!).toBe(1);
    expect(monthKey(monthIndex('2024-12')!)).toBe('2024-12');
    expect(monthIndex('2025-13')).toBeNull();
    expect(monthIndex('January')).toBeNull();
  });

  it('name a month for the axis and the tooltip', () => {
    expect(monthName('2025-03')).toEqual({ short: 'Mar', year: '2025', long: 'Mar 2025' });
  });
});

describe('monthSeries', () => {
  it('fills the months with nothing stored, so the bars’ spacing is time', () => {
    const { points } = monthSeries([m('2024-11', 5), m('2025-02', 7)]);
    expect(points.map((p) => [p.month, p.bytes])).toEqual([
      ['2024-11', 5],
      ['2024-12', 0],
      ['2025-01', 0],
      ['2025-02', 7],
    ]);
  });

  it('runs on to the report’s month, and sorts what the core sent in any order', () => {
    const { points } = monthSeries([m('2025-02', 7), m('2025-01', 3)], '2025-04');
    expect(points.map((p) => p.month)).toEqual(['2025-01', '2025-02', '2025-03', '2025-04']);
  });

  it('keeps the last 24 months and sums what came before', () => {
    const months = [m('2020-06', 100, 4), m('2022-01', 10, 2), m('2023-01', 1), m('2024-12', 2)];
    const { points, older } = monthSeries(months);
    expect(points).toHaveLength(24);
    expect(points[0].month).toBe('2023-01');
    expect(points[23].month).toBe('2024-12');
    expect(older).toEqual({ objects: 6, bytes: 110 });
  });

  it('draws nothing for a bucket without dated files', () => {
    expect(monthSeries([]).points).toEqual([]);
    expect(monthSeries([m('someday', 5)]).points).toEqual([]);
  });
});

describe('scale', () => {
  it('tops the axis at a round figure at least as high as the tallest bar', () => {
    expect(niceCeiling(1_870_000_000)).toBe(2_000_000_000);
    expect(niceCeiling(2_100_000)).toBe(2_500_000);
    expect(niceCeiling(0.3)).toBeCloseTo(0.5);
    expect(niceCeiling(7000)).toBe(10_000);
    expect(niceCeiling(1000)).toBe(1000);
    expect(niceCeiling(0)).toBe(1);
  });

  it('places bars in their slots, tall by their share of the top, and a sliver at least 1 unit', () => {
    const bars = monthBars([m('2025-01', 50), m('2025-02', 0), m('2025-03', 100), m('2025-04', 0.001)], 400, 100, 100);
    expect(bars.map((b) => b.height)).toEqual([50, 0, 100, 1]);
    expect(bars[0].y).toBe(50);
    expect(bars[0].width).toBeCloseTo(70);
    expect(bars[0].x).toBeCloseTo(15);
    expect(bars[2].x).toBeCloseTo(215);
  });

  it('labels fewer months when the slots are narrow', () => {
    expect(labelEvery(40)).toBe(1);
    expect(labelEvery(20)).toBe(2);
    expect(labelEvery(9)).toBe(3);
    expect(labelEvery(1)).toBe(12);
  });
});

describe('axisLabels', () => {
  it('labels every nth month and gives the year where it changes', () => {
    const { points } = monthSeries([m('2024-10', 1), m('2025-03', 1)]);
    expect(axisLabels(points, 2)).toEqual([
      { index: 0, short: 'Oct', year: '2024' },
      { index: 2, short: 'Dec', year: null },
      { index: 4, short: 'Feb', year: '2025' },
    ]);
    expect(axisLabels(points, 1).map((l) => l.year)).toEqual(['2024', null, null, '2025', null, null]);
  });
});
