import { describe, expect, it } from 'vitest';
import { Transfers, formatEta, formatProgress, percentDone } from './transfers.svelte';

describe('transfers', () => {
  it('follows a batch from queued to finished and totals progress', () => {
    const t = new Transfers();
    t.apply({ event: 'queued', batch: 1, direction: 'upload', items: [{ key: 'a/documents/x.pdf', local: '/x.pdf', size: 100 }, { key: 'a/images/y.png', local: '/y.png', size: 300 }] });
    t.apply({ event: 'started', batch: 1, id: 7, direction: 'upload', key: 'a/documents/x.pdf', local: '/x.pdf', total: 100 });
    t.apply({ event: 'progress', batch: 1, id: 7, done: 50, total: 100, bytes_per_sec: 25, eta_secs: 2 });
    expect(t.totals).toMatchObject({ active: 2, done: 50, total: 400, bytesPerSec: 25 });
    expect(t.totals.etaSecs).toBe(14);
    t.apply({ event: 'finished', direction: 'upload', batch: 1, id: 7, key: 'a/documents/x.pdf', local: '/x.pdf', size: 100, note: null });
    t.apply({ event: 'failed', direction: 'upload', batch: 1, id: 8, key: 'a/images/y.png', local: '/y.png', code: 'io', message: 'gone' });
    expect(t.totals.active).toBe(0);
    t.finish({ batch: 1, done: 1, bytes: 100, failed: [], cancelled: false });
    expect(t.busy).toBe(false);
    expect(t.totals.failed).toBe(1);
    t.clearFinished();
    expect(t.batches).toEqual([]);
  });

  it('keeps what the core noted about a finished download on its item', () => {
    const t = new Transfers();
    const unverified = 'not verified: the server’s ETag is not derived from the content (an older or migrated object); two reads gave the same bytes';
    t.apply({ event: 'queued', batch: 4, direction: 'download', items: [{ key: 'a/old.pdf', local: '/d/old.pdf', size: 5 }, { key: 'a/new.pdf', local: '/d/new.pdf', size: 5 }] });
    t.apply({ event: 'finished', direction: 'download', batch: 4, id: 1, key: 'a/old.pdf', local: '/d/old.pdf', size: 5, note: unverified });
    t.apply({ event: 'finished', direction: 'download', batch: 4, id: 2, key: 'a/new.pdf', local: '/d/new.pdf', size: 5, note: null });
    t.finish({ batch: 4, done: 2, bytes: 10, failed: [], cancelled: false });
    expect(t.batches[0].items.map((i) => [i.key, i.state, i.note])).toEqual([
      ['a/old.pdf', 'done', unverified],
      ['a/new.pdf', 'done', null],
    ]);
    expect(t.totals.noted).toBe(1);
  });

  it('marks unfinished items as cancelled when the batch was cancelled', () => {
    const t = new Transfers();
    t.apply({ event: 'queued', batch: 2, direction: 'download', items: [{ key: 'k', local: '/k', size: null }] });
    t.finish({ batch: 2, done: 0, bytes: 0, failed: [], cancelled: true });
    expect(t.batches[0].items[0]).toMatchObject({ state: 'failed', message: 'Cancelled' });
  });

  it('hands over only the failed items of a finished batch for a retry', () => {
    const t = new Transfers();
    t.apply({ event: 'queued', batch: 3, direction: 'upload', items: [{ key: 'a/x', local: '/x', size: 1 }, { key: 'a/y', local: '/y', size: 1 }] });
    t.apply({ event: 'finished', direction: 'upload', batch: 3, id: 1, key: 'a/x', local: '/x', size: 1, note: null });
    t.apply({ event: 'failed', direction: 'upload', batch: 3, id: 2, key: 'a/y', local: '/y', code: 'unreachable', message: 'down' });
    // A batch still running is not retried.
    expect(t.takeFailed(3)).toEqual([]);
    t.finish({ batch: 3, done: 1, bytes: 1, failed: [], cancelled: false });
    expect(t.takeFailed(3).map((i) => i.local)).toEqual(['/y']);
    expect(t.batches[0].items.map((i) => i.key)).toEqual(['a/x']);
    expect(t.totals.failed).toBe(0);
    expect(t.takeFailed(3)).toEqual([]);
  });

  it('says how long is left in words', () => {
    expect(formatEta(12.2)).toBe('13 s left');
    expect(formatEta(125)).toBe('3 min left');
    expect(formatEta(3900)).toBe('1 h 5 min left');
    expect(formatEta(null)).toBe('');
  });

  it('gives the percentage rounded down, and 0 while sizes are unknown', () => {
    expect(percentDone({ done: 999, total: 1000 })).toBe(99);
    expect(percentDone({ done: 0, total: 0 })).toBe(0);
  });
});

describe('formatProgress', () => {
  it('shows percentage, rate and time left while all are known', () => {
    expect(formatProgress({ done: 63, total: 100, bytesPerSec: 4_100_000, etaSecs: 12 })).toBe('63% · 4.1 MB/s · 12 s left');
  });

  it('leaves out a rate that is zero, unmeasured or rounds to nothing, with its separator', () => {
    expect(formatProgress({ done: 0, total: 100, bytesPerSec: 0, etaSecs: null })).toBe('0%');
    expect(formatProgress({ done: 10, total: 100, bytesPerSec: 0.4, etaSecs: null })).toBe('10%');
    expect(formatProgress({ done: 10, total: 100, bytesPerSec: Number.NaN, etaSecs: null })).toBe('10%');
    expect(formatProgress({ done: 10, total: 100, bytesPerSec: 0, etaSecs: 30 })).toBe('10% · 30 s left');
  });

  it('leaves out an unknown time left without a dangling "·"', () => {
    expect(formatProgress({ done: 50, total: 100, bytesPerSec: 2000, etaSecs: null })).toBe('50% · 2.0 KB/s');
  });

  it('never writes "0 B/s"', () => {
    for (const bytesPerSec of [0, 0.2, 0.49, Number.POSITIVE_INFINITY, -5]) {
      expect(formatProgress({ done: 1, total: 2, bytesPerSec, etaSecs: null })).not.toMatch(/B\/s|·/);
    }
  });
});
