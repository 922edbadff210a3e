// The mock core's migration (development only) stops as the real one does: the batch being
// copied finishes, the rest is reported as not started, and a run again copies it.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MigrationPlan, MigrationReport } from './index';
import { migrationCommand } from './mock-migration';

let heard: unknown[] = [];

beforeEach(() => {
  heard = [];
  vi.useFakeTimers();
  // The mock sends progress through Tauri's callbacks, as a Channel would hear it.
  vi.stubGlobal('window', { __TAURI_INTERNALS__: { runCallback: (_id: number, data: unknown) => heard.push(data) } });
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('the mock migration', () => {
  const args = { from: 'aws-archive', to: 'oasys-prod', prefix: 'acme-corp/', overwrite: false, onProgress: { id: 1 } };

  async function plan(): Promise<MigrationPlan> {
    const asked = migrationCommand('migration_plan', args) as Promise<MigrationPlan>;
    await vi.advanceTimersByTimeAsync(2_000);
    return asked;
  }

  it('stops early when cancelled, the rest not started, and a run again copies the rest', async () => {
    expect(await migrationCommand('cancel_migration', {})).toBe(false);
    const before = await plan();
    const run = migrationCommand('run_migration', args) as Promise<MigrationReport>;
    // Two batches copied, the third on its way.
    await vi.advanceTimersByTimeAsync(500);
    await expect(migrationCommand('run_migration', args)).rejects.toMatchObject({ code: 'invalid' });
    expect(await migrationCommand('cancel_migration', {})).toBe(true);
    await vi.advanceTimersByTimeAsync(1_000);
    const report = await run;
    expect(heard.filter((m) => (m as { message?: unknown }).message !== undefined)).toHaveLength(3);
    expect(heard.at(-1)).toMatchObject({ end: true });
    const failedInRun = report.failed.length - before.conflicts.length;
    expect(report.not_started.objects).toBeGreaterThan(0);
    expect(report.copied.objects + failedInRun + report.not_started.objects).toBe(before.to_copy.objects);
    expect(report.copied.bytes).toBeLessThan(before.to_copy.bytes);
    expect(await migrationCommand('cancel_migration', {})).toBe(false);

    // What was not started (and what failed) is what the next plan copies.
    const after = await plan();
    expect(after.to_copy.objects).toBe(report.not_started.objects + failedInRun);
    const rest = migrationCommand('run_migration', args) as Promise<MigrationReport>;
    await vi.advanceTimersByTimeAsync(10_000);
    const finished = await rest;
    expect(finished.not_started).toEqual({ objects: 0, bytes: 0 });
    expect(finished.copied.objects).toBe(report.not_started.objects);
  });
});
