import { describe, expect, it } from 'vitest';
import type { MigrationProgress } from '../ipc';
import { addSample, percentDone, progressCounts, rateLine, rateOf, secondsLeft, type Sample } from './progress';

const progress = (over: Partial<MigrationProgress> = {}): MigrationProgress => ({
  done: { objects: 312, bytes: 1_200_000_000 },
  total: { objects: 1_204, bytes: 3_200_000_000 },
  failed: 0,
  last_key: 'acme/documents/x.pdf',
  ...over,
});

describe('addSample', () => {
  it('keeps the samples of the window and the one just before it', () => {
    let samples: Sample[] = [];
    for (let at = 0; at <= 10_000; at += 1000) samples = addSample(samples, { at, objects: at, bytes: at }, 5000);
    expect(samples.map((s) => s.at)).toEqual([4000, 5000, 6000, 7000, 8000, 9000, 10_000]);
  });

  // One large object can take longer than the window: the rate still has a span to measure.
  it('keeps two samples however far apart', () => {
    const samples = addSample([{ at: 0, objects: 0, bytes: 0 }], { at: 60_000, objects: 1, bytes: 600_000_000 }, 5000);
    expect(samples).toHaveLength(2);
    expect(rateOf(samples)).toEqual({ bytesPerSec: 10_000_000, objectsPerSec: 1 / 60 });
  });
});

describe('rateOf', () => {
  it('measures bytes and objects a second from the oldest to the newest sample', () => {
    const samples = [
      { at: 1000, objects: 10, bytes: 1_000_000 },
      { at: 2000, objects: 20, bytes: 3_000_000 },
      { at: 3000, objects: 50, bytes: 9_000_000 },
    ];
    expect(rateOf(samples)).toEqual({ bytesPerSec: 4_000_000, objectsPerSec: 20 });
  });

  it('is null until there is a span worth measuring', () => {
    expect(rateOf([])).toBeNull();
    expect(rateOf([{ at: 0, objects: 0, bytes: 0 }])).toBeNull();
    expect(rateOf([{ at: 0, objects: 0, bytes: 0 }, { at: 200, objects: 5, bytes: 100 }])).toBeNull();
  });
});

describe('percentDone', () => {
  it('goes by bytes, floored, so 100 means done', () => {
    expect(percentDone(progress())).toBe(37);
    expect(percentDone(progress({ done: { objects: 1_203, bytes: 3_199_999_999 } }))).toBe(99);
    expect(percentDone(progress({ done: { objects: 1_204, bytes: 3_200_000_000 } }))).toBe(100);
  });

  it('goes by objects, failures included, when there are no bytes to copy', () => {
    expect(percentDone(progress({ done: { objects: 3, bytes: 0 }, total: { objects: 4, bytes: 0 }, failed: 1 }))).toBe(100);
    expect(percentDone(progress({ done: { objects: 0, bytes: 0 }, total: { objects: 0, bytes: 0 } }))).toBe(100);
  });
});

describe('secondsLeft', () => {
  it('is the bytes left at the rate', () => {
    expect(secondsLeft(progress(), { bytesPerSec: 50_000_000, objectsPerSec: 10 })).toBe(40);
  });

  it('falls back to objects when no bytes move, and is unknown without a rate', () => {
    const empties = progress({ done: { objects: 4, bytes: 0 }, total: { objects: 10, bytes: 0 } });
    expect(secondsLeft(empties, { bytesPerSec: 0, objectsPerSec: 2 })).toBe(3);
    expect(secondsLeft(progress(), null)).toBeNull();
  });
});

describe('progressCounts', () => {
  it('says objects and bytes done of the total', () => {
    expect(progressCounts(progress())).toBe('312 of 1,204 objects · 1.2 GB of 3.2 GB');
  });

  it('adds the failures when there are any', () => {
    expect(progressCounts(progress({ failed: 2 }))).toBe('312 of 1,204 objects · 1.2 GB of 3.2 GB · 2 failed');
  });
});

describe('rateLine', () => {
  it('says the rate in bytes and objects and the time left', () => {
    expect(rateLine(progress(), { bytesPerSec: 50_000_000, objectsPerSec: 38.2 })).toBe('50 MB/s · 38 objects/s · 40 s left');
    expect(rateLine(progress(), { bytesPerSec: 4_100_000, objectsPerSec: 2.25 })).toBe('4.1 MB/s · 2.3 objects/s · 9 min left');
  });

  // "0 B/s" and a dangling "·" say less than nothing.
  it('leaves out what is not measured yet', () => {
    expect(rateLine(progress(), null)).toBe('');
    expect(rateLine(progress(), { bytesPerSec: 0, objectsPerSec: 0 })).toBe('');
  });
});
