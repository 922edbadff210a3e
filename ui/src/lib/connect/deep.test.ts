import { describe, expect, it } from 'vitest';
import type { Check, DeepReport } from '../ipc';
import { deepCheckView, tallyLine, tallyOf, VERDICT_WORDS, verdictTone } from './deep';

const works = (id: Check['id'], label: string = id): Check => ({ id, label, verdict: 'works', detail: null });

const report = (checks: Check[], ok = true, summary = 'every operation works'): DeepReport => ({
  ok,
  summary,
  checks,
  learned: { put_guard: 'works', complete_guard: 'works', copy_guard: 'works', checked_at: '2026-01-01T00:00:00Z' },
});

describe('verdict words', () => {
  it('say what each verdict means for the person', () => {
    expect(VERDICT_WORDS).toEqual({
      works: 'Works',
      ignored: 'Ignored — Cubby adapts',
      refused: 'Not supported here',
      failed: 'Failed',
    });
  });

  // Ignored and refused guards are the server's way, not a fault: they must not read as errors.
  it('only a failed check is an error', () => {
    expect(verdictTone('works')).toBe('works');
    expect(verdictTone('ignored')).toBe('adapts');
    expect(verdictTone('refused')).toBe('adapts');
    expect(verdictTone('failed')).toBe('failed');
  });
});

describe('tally', () => {
  it('counts ignored and refused together as adapted to', () => {
    const checks: Check[] = [
      works('put'),
      { id: 'complete_guard', label: 'c', verdict: 'ignored', detail: null },
      { id: 'copy_guard', label: 'c', verdict: 'refused', detail: null },
      { id: 'cors', label: 'c', verdict: 'failed', detail: null },
    ];
    expect(tallyOf(checks)).toEqual({ works: 1, adapts: 2, failed: 1 });
  });

  it('names only the kinds that occurred, in agreement with the count', () => {
    expect(tallyLine({ works: 13, adapts: 0, failed: 0 })).toBe('13 work.');
    expect(tallyLine({ works: 1, adapts: 2, failed: 0 })).toBe('1 works · 2 handled differently, Cubby adapts.');
    expect(tallyLine({ works: 0, adapts: 0, failed: 3 })).toBe('3 failed.');
    expect(tallyLine({ works: 0, adapts: 0, failed: 0 })).toBe('No checks ran.');
  });
});

describe('deepCheckView', () => {
  it('keeps the core’s order and words each row, details as sentences', () => {
    const view = deepCheckView(
      report([
        works('put', 'Upload an object'),
        { id: 'copy_guard', label: 'Copy only if new', verdict: 'refused', detail: 'the server answered 501 to If-None-Match' },
        works('cors', 'Browser access'),
      ]),
    );
    expect(view.rows.map((row) => row.id)).toEqual(['put', 'copy_guard', 'cors']);
    expect(view.rows[1]).toEqual({
      id: 'copy_guard',
      label: 'Copy only if new',
      verdict: 'refused',
      tone: 'adapts',
      words: 'Not supported here',
      detail: 'The server answered 501 to If-None-Match.',
    });
    expect(view.rows[0].detail).toBeNull();
    expect(view.summary).toBe('Every operation works.');
  });

  it('is calm when everything works, a note when Cubby adapts, an error when something failed', () => {
    expect(deepCheckView(report([works('put'), works('cors')])).tone).toBe('works');
    expect(deepCheckView(report([works('put'), { id: 'put_guard', label: 'g', verdict: 'ignored', detail: null }])).tone).toBe('adapts');
    const failed = report([works('put'), { id: 'multipart', label: 'm', verdict: 'failed', detail: 'access denied' }], false, 'multipart failed');
    expect(deepCheckView(failed).tone).toBe('failed');
  });

  // The core's `ok` and its rows should agree; if they don't, the window must not look fine.
  it('shows a failure when either the core or a row says so', () => {
    expect(deepCheckView(report([works('put')], false)).tone).toBe('failed');
    expect(deepCheckView(report([{ id: 'put', label: 'p', verdict: 'failed', detail: null }], true)).tone).toBe('failed');
  });
});
