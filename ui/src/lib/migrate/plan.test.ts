import { describe, expect, it } from 'vitest';
import type { MigrationPlan, MigrationReport, ProfileSummary } from '../ipc';
import {
  conflictPreview,
  defaultPair,
  failuresText,
  finishedToast,
  formatElapsed,
  formatEstimate,
  formatTally,
  formKey,
  formProblems,
  hasWork,
  notStartedLine,
  planLine,
  prefixProblem,
  profileOption,
  reportLine,
  wasStopped,
} from './plan';

const profile = (name: string, kind: ProfileSummary['kind'], bucket = name, endpoint = `https://${name}.example`): ProfileSummary => ({
  name,
  kind,
  endpoint,
  bucket,
  public_url: null,
  is_default: false,
});
const r2 = profile('oasys-prod', 'r2');
const s3 = profile('aws-archive', 's3', 'invoices-2019');
const sandbox = profile('sandbox', 'sandbox');

const plan = (over: Partial<MigrationPlan> = {}): MigrationPlan => ({
  source: { objects: 1_840, bytes: 12_400_000_000 },
  to_copy: { objects: 1_204, bytes: 3_200_000_000 },
  already_there: { objects: 633, bytes: 9_100_000_000 },
  conflicts: ['acme/a.pdf', 'acme/b.pdf', 'acme/c.pdf'],
  estimated_seconds: 76,
  estimate_basis: '50 MB/s and 100 objects/s, a conservative internet rate; the real rate shows as it runs',
  ...over,
});

describe('formatTally', () => {
  it('counts objects with their size, one in the singular', () => {
    expect(formatTally({ objects: 1_204, bytes: 3_200_000_000 })).toBe('1,204 objects (3.2 GB)');
    expect(formatTally({ objects: 1, bytes: 182_000 })).toBe('1 object (182 KB)');
  });

  it('says "no objects" rather than "0 objects (0 B)"', () => {
    expect(formatTally({ objects: 0, bytes: 0 })).toBe('no objects');
  });
});

describe('formatEstimate', () => {
  it('rounds to what a person plans by', () => {
    expect(formatEstimate(12)).toBe('under a minute');
    expect(formatEstimate(76)).toBe('about 1 min');
    expect(formatEstimate(14 * 60 + 20)).toBe('about 14 min');
    expect(formatEstimate(2 * 3600 + 5 * 60)).toBe('about 2 h 5 min');
    expect(formatEstimate(3 * 3600)).toBe('about 3 h');
  });

  // 1 h 59 min 50 s must not read "about 1 h 60 min".
  it('carries a rounded hour', () => {
    expect(formatEstimate(2 * 3600 - 10)).toBe('about 2 h');
  });

  it('is null when the core gave no estimate', () => {
    expect(formatEstimate(null)).toBeNull();
    expect(formatEstimate(Number.NaN)).toBeNull();
  });
});

describe('formatElapsed', () => {
  it('says how long a run took', () => {
    expect(formatElapsed(8.42)).toBe('8.4 s');
    expect(formatElapsed(42.4)).toBe('42 s');
    expect(formatElapsed(185)).toBe('3 min 5 s');
    expect(formatElapsed(120)).toBe('2 min');
    expect(formatElapsed(3720)).toBe('1 h 2 min');
    expect(formatElapsed(null)).toBeNull();
  });
});

describe('conflictPreview', () => {
  it('names the first few keys and counts the rest', () => {
    const keys = Array.from({ length: 8 }, (_, i) => `k${i}`);
    expect(conflictPreview(keys)).toEqual({ keys: ['k0', 'k1', 'k2', 'k3', 'k4'], more: 3 });
    expect(conflictPreview(keys.slice(0, 2))).toEqual({ keys: ['k0', 'k1'], more: 0 });
    expect(conflictPreview(keys, 3).more).toBe(5);
  });
});

describe('planLine', () => {
  it('sums the plan up: to copy, already there, in the way and the time', () => {
    expect(planLine(plan())).toBe('Copy 1,204 objects (3.2 GB) · 633 objects already there · 3 in the way · about 1 min');
  });

  it('says there is nothing to do, and why', () => {
    const nothing = { to_copy: { objects: 0, bytes: 0 }, conflicts: [] };
    expect(hasWork(plan(nothing))).toBe(false);
    expect(planLine(plan(nothing))).toBe('Nothing to copy: every object is already there.');
    expect(planLine(plan({ ...nothing, source: { objects: 0, bytes: 0 } }))).toBe('The source has no objects under this prefix.');
  });

  // Replacing the objects in the way is work even when nothing else is to copy.
  it('counts conflicts alone as work', () => {
    expect(hasWork(plan({ to_copy: { objects: 0, bytes: 0 } }))).toBe(true);
  });
});

describe('defaultPair', () => {
  it('copies from an S3 connection into the active one', () => {
    expect(defaultPair([r2, sandbox, s3], r2)).toEqual({ from: 'aws-archive', to: 'oasys-prod' });
  });

  it('falls back to any other connection, and to nothing with only one', () => {
    expect(defaultPair([r2, sandbox], r2)).toEqual({ from: 'sandbox', to: 'oasys-prod' });
    expect(defaultPair([r2], r2)).toEqual({ from: '', to: 'oasys-prod' });
  });
});

describe('profileOption', () => {
  it('names the connection, its kind and its bucket', () => {
    expect(profileOption(s3)).toBe('aws-archive — S3 · invoices-2019');
  });
});

describe('prefixProblem', () => {
  it('accepts the whole bucket and a folder', () => {
    expect(prefixProblem('')).toBeNull();
    expect(prefixProblem('acme/documents/')).toBeNull();
  });

  it('refuses what the core would refuse, saying how to fix it', () => {
    expect(prefixProblem('/acme/')).toMatchObject({ level: 'error', message: expect.stringContaining('acme/documents/, not /acme/documents/') });
    expect(prefixProblem('acme//x/')?.level).toBe('error');
    expect(prefixProblem('acme/../x/')?.level).toBe('error');
    expect(prefixProblem('acme\t/')?.level).toBe('error');
    expect(prefixProblem(`${'é'.repeat(513)}/`)?.level).toBe('error');
  });

  // "acme" as a listing prefix also reaches "acme-corp/…".
  it('warns, without refusing, that a prefix without "/" matches more than one folder', () => {
    expect(prefixProblem('acme')).toMatchObject({ level: 'warning', message: expect.stringContaining('end it with “/”') });
  });
});

describe('formProblems', () => {
  const profiles = [r2, s3, sandbox];

  it('is ready with two different connections and an acceptable prefix', () => {
    expect(formProblems({ from: 'aws-archive', to: 'oasys-prod', prefix: '' }, profiles)).toEqual({ to: null, prefix: null, ready: true });
    expect(formProblems({ from: 'aws-archive', to: 'oasys-prod', prefix: 'acme' }, profiles).ready).toBe(true);
  });

  it('is not ready until both are chosen', () => {
    expect(formProblems({ from: '', to: 'oasys-prod', prefix: '' }, profiles).ready).toBe(false);
    expect(formProblems({ from: 'gone', to: 'oasys-prod', prefix: '' }, profiles).ready).toBe(false);
  });

  it('refuses the same connection, or two that open the same bucket', () => {
    expect(formProblems({ from: 'oasys-prod', to: 'oasys-prod', prefix: '' }, profiles)).toMatchObject({ ready: false, to: expect.stringContaining('two different') });
    const twin = profile('prod-again', 'r2', r2.bucket, r2.endpoint);
    expect(formProblems({ from: 'prod-again', to: 'oasys-prod', prefix: '' }, [...profiles, twin])).toMatchObject({
      ready: false,
      to: expect.stringContaining('same bucket (oasys-prod)'),
    });
  });

  it('is not ready with a prefix the core would refuse', () => {
    expect(formProblems({ from: 'aws-archive', to: 'oasys-prod', prefix: '/acme' }, profiles).ready).toBe(false);
  });
});

describe('formKey', () => {
  it('tells forms apart by pair and prefix', () => {
    const form = { from: 'a', to: 'b', prefix: '' };
    expect(formKey(form)).toBe(formKey({ ...form }));
    expect(formKey(form)).not.toBe(formKey({ ...form, prefix: 'x/' }));
    expect(formKey({ from: 'a/b', to: 'c', prefix: '' })).not.toBe(formKey({ from: 'a', to: 'b/c', prefix: '' }));
  });
});

describe('the report', () => {
  const report = (over: Partial<MigrationReport> = {}): MigrationReport => ({
    plan: plan(),
    copied: { objects: 1_202, bytes: 3_100_000_000 },
    checked_bytes_only: 14,
    already_there: { objects: 633, bytes: 9_100_000_000 },
    failed: [
      { key: 'acme/x.pdf', reason: 'the source changed while it was read' },
      { key: 'acme/y.pdf', reason: 'a different object is already at this key' },
    ],
    not_started: { objects: 0, bytes: 0 },
    seconds: 185,
    ...over,
  });
  const stopped = (over: Partial<MigrationReport> = {}) =>
    report({ copied: { objects: 312, bytes: 1_200_000_000 }, not_started: { objects: 890, bytes: 1_900_000_000 }, seconds: 42, ...over });

  it('reads as one line: copied, how long, and how many were not', () => {
    expect(reportLine(report())).toBe('Copied 1,202 objects (3.1 GB) in 3 min 5 s; 2 not copied.');
    expect(reportLine(report({ copied: { objects: 0, bytes: 0 }, failed: [], seconds: 1.2 }))).toBe('Nothing needed copying in 1.2 s.');
  });

  it('says a run was stopped only when it left objects not started', () => {
    expect(wasStopped(report())).toBe(false);
    expect(wasStopped(stopped())).toBe(true);
    // Stop pressed once every object had started: the run finished.
    expect(wasStopped(report({ not_started: { objects: 0, bytes: 0 } }))).toBe(false);
  });

  it('reads, when stopped, as what was copied before the stop, failures apart', () => {
    expect(reportLine(stopped())).toBe('Copied 312 objects (1.2 GB) in 42 s before it was stopped; 2 not copied.');
    expect(reportLine(stopped({ failed: [], seconds: null }))).toBe('Copied 312 objects (1.2 GB) before it was stopped.');
    expect(reportLine(stopped({ copied: { objects: 0, bytes: 0 }, failed: [] }))).toBe('Stopped before anything was copied.');
  });

  it('says what a stopped run did not start, and that a run again copies it', () => {
    expect(notStartedLine(report())).toBeNull();
    expect(notStartedLine(stopped())).toBe('Stopped: 890 objects (1.9 GB) not started — Check and Start again to copy them.');
    expect(notStartedLine(stopped({ not_started: { objects: 1, bytes: 2_000 } }))).toBe('Stopped: 1 object (2.0 KB) not started — Check and Start again to copy them.');
  });

  it('toasts the end of a run, finished or stopped', () => {
    expect(finishedToast(report(), 'oasys-prod')).toBe('Migration into oasys-prod finished: copied 1,202 objects (3.1 GB) · 2 not copied');
    expect(finishedToast(report({ copied: { objects: 0, bytes: 0 }, failed: [] }), 'oasys-prod')).toBe('Migration into oasys-prod finished: nothing needed copying');
    expect(finishedToast(stopped({ failed: [] }), 'oasys-prod')).toBe('Migration into oasys-prod stopped: copied 312 objects (1.2 GB) · 890 objects not started');
    expect(finishedToast(stopped({ copied: { objects: 0, bytes: 0 } }), 'oasys-prod')).toBe(
      'Migration into oasys-prod stopped: nothing copied · 890 objects not started · 2 not copied',
    );
  });

  it('gives its failures as one key and reason a line, for a spreadsheet', () => {
    expect(failuresText(report().failed)).toBe('acme/x.pdf\tthe source changed while it was read\nacme/y.pdf\ta different object is already at this key');
  });
});
