// What the migration's tests share (./migration.test.ts, ../components/migration.test.ts): a
// saved connection, a run's report for a plan, and a fake core. Each test file keeps its own
// figures, since its assertions read them. For tests only; the app never imports this.

import { vi } from 'vitest';
import type { MigrationPlan, MigrationProgress, MigrationReport, ProfileSummary } from '../ipc';
import type { Core } from './migration.svelte';

/** A saved connection named `name`, its bucket named alike unless `more` says otherwise. */
export const profile = (name: string, kind: ProfileSummary['kind'], more: Partial<ProfileSummary> = {}): ProfileSummary => ({
  name,
  kind,
  endpoint: `https://${name}.example`,
  bucket: name,
  public_url: null,
  is_default: false,
  ...more,
});

/** A finished run of `plan`: what was already there is the plan's, and every object was started. */
export const reportFor = (plan: MigrationPlan, run: Pick<MigrationReport, 'copied' | 'checked_bytes_only' | 'failed' | 'seconds'>): MigrationReport => ({
  plan,
  already_there: plan.already_there,
  not_started: { objects: 0, bytes: 0 },
  ...run,
});

/** What a run sends and how it ends, given the progress callback. */
export type Run = (onProgress: (p: MigrationProgress) => void) => Promise<MigrationReport>;

/** A fake core that plans `plan`, takes every Stop, and ends a run as `run` decides, else with `report`. */
export function fakeCore(plan: MigrationPlan, report: MigrationReport, run?: Run) {
  return {
    migrationPlan: vi.fn<Core['migrationPlan']>().mockResolvedValue(plan),
    runMigration: vi.fn<Core['runMigration']>(async (_from, _to, _prefix, _overwrite, onProgress) => (run ? run(onProgress) : report)),
    cancelMigration: vi.fn<Core['cancelMigration']>().mockResolvedValue(true),
  };
}
