import { describe, expect, it, vi } from 'vitest';
import { IpcFailure, type MigrationPlan, type MigrationReport } from '../ipc';
import { fakeCore, profile, reportFor, type Run } from './fixtures';
import { Migration, type Options } from './migration.svelte';

const r2 = profile('oasys-prod', 'r2');
const s3 = profile('aws-archive', 's3');
const sandbox = profile('sandbox', 'sandbox');

const plan: MigrationPlan = {
  source: { objects: 10, bytes: 10_000 },
  to_copy: { objects: 6, bytes: 6_000 },
  already_there: { objects: 3, bytes: 3_000 },
  conflicts: ['acme/x.pdf'],
  estimated_seconds: 1,
  estimate_basis: '50 MB/s',
};
const report = reportFor(plan, {
  copied: { objects: 6, bytes: 6_000 },
  checked_bytes_only: 1,
  failed: [{ key: 'acme/x.pdf', reason: 'a different object is already at this key' }],
  seconds: 2,
});

/** A fake core; `run` decides what the run sends and how it ends. */
const fake = (run?: Run) => fakeCore(plan, report, run);

describe('fill', () => {
  it('starts as into the active connection, from an S3 one', () => {
    const migration = new Migration({ core: fake() });
    migration.fill([r2, sandbox, s3], r2);
    expect(migration.form).toEqual({ from: 'aws-archive', to: 'oasys-prod', prefix: '' });
  });

  it('keeps what was chosen, and replaces a connection that is gone', () => {
    const migration = new Migration({ core: fake() });
    migration.form = { from: 'sandbox', to: 'oasys-prod', prefix: 'acme/' };
    migration.fill([r2, sandbox, s3], r2);
    expect(migration.form).toEqual({ from: 'sandbox', to: 'oasys-prod', prefix: 'acme/' });
    migration.fill([r2, s3], r2);
    expect(migration.form.from).toBe('aws-archive');
  });
});

describe('check', () => {
  it('asks for the plan without overwriting, and shows it for that form only', async () => {
    const core = fake();
    const migration = new Migration({ core });
    migration.form = { from: 'aws-archive', to: 'oasys-prod', prefix: 'acme/' };
    await migration.check();
    expect(core.migrationPlan).toHaveBeenCalledWith('aws-archive', 'oasys-prod', 'acme/', false);
    expect(migration.current).toEqual(plan);
    migration.form.prefix = 'globex/';
    expect(migration.current).toBeNull();
    migration.form.prefix = 'acme/';
    expect(migration.current).toEqual(plan);
  });

  it('says why the core could not make a plan', async () => {
    const core = fake();
    core.migrationPlan.mockRejectedValueOnce(new IpcFailure({ code: 'invalid', message: "'a' and 'b' name the same bucket: choose two different buckets" }));
    const migration = new Migration({ core });
    migration.form = { from: 'a', to: 'b', prefix: '' };
    await migration.check();
    expect(migration.current).toBeNull();
    expect(migration.error).toBe("Couldn’t check the migration: 'a' and 'b' name the same bucket: choose two different buckets");
    expect(migration.checking).toBe(false);
  });
});

describe('start', () => {
  async function checked(core: ReturnType<typeof fake>, onfinish?: Options['onfinish']) {
    let now = 0;
    const migration = new Migration({ core, now: () => (now += 1000), onfinish });
    migration.form = { from: 'aws-archive', to: 'oasys-prod', prefix: '' };
    await migration.check();
    return migration;
  }

  it('does nothing before a plan is shown for the form', async () => {
    const core = fake();
    const migration = new Migration({ core });
    migration.form = { from: 'aws-archive', to: 'oasys-prod', prefix: '' };
    await migration.start(false);
    expect(core.runMigration).not.toHaveBeenCalled();
  });

  it('passes the overwrite choice, follows progress and its rate, and ends with the report', async () => {
    let seen: Migration | null = null;
    const core = fake(async (onProgress) => {
      expect(seen?.running).toBe(true);
      // Before the first message the plan's totals stand in.
      expect(seen?.progress).toMatchObject({ done: { objects: 0, bytes: 0 }, total: plan.to_copy });
      onProgress({ done: { objects: 2, bytes: 2_000 }, total: plan.to_copy, failed: 0, last_key: 'acme/b.pdf' });
      onProgress({ done: { objects: 4, bytes: 4_000 }, total: plan.to_copy, failed: 0, last_key: 'acme/d.pdf' });
      expect(seen?.progress?.last_key).toBe('acme/d.pdf');
      // Samples a second apart: 4,000 bytes over the two seconds since the start.
      expect(seen?.rate).toEqual({ bytesPerSec: 2_000, objectsPerSec: 2 });
      return report;
    });
    const onfinish = vi.fn();
    const migration = await checked(core, onfinish);
    seen = migration;
    await migration.start(true);
    expect(core.runMigration).toHaveBeenCalledWith('aws-archive', 'oasys-prod', '', true, expect.any(Function));
    expect(migration.running).toBe(false);
    expect(migration.report).toEqual(report);
    expect(migration.ranFor).toEqual({ from: 'aws-archive', to: 'oasys-prod', prefix: '' });
    expect(onfinish).toHaveBeenCalledWith(report, { from: 'aws-archive', to: 'oasys-prod', prefix: '' });
  });

  // The plan is out of date once objects were copied: starting again needs a fresh check.
  it('asks for a fresh check after a run', async () => {
    const migration = await checked(fake());
    await migration.start(false);
    expect(migration.current).toBeNull();
  });

  it('says the run stopped, and that starting again goes on from there', async () => {
    const core = fake(async () => {
      throw new IpcFailure({ code: 'storage', message: 'The connection to the source was lost.' });
    });
    const onfinish = vi.fn();
    const migration = await checked(core, onfinish);
    await migration.start(false);
    expect(migration.running).toBe(false);
    expect(migration.report).toBeNull();
    expect(migration.error).toMatch(/^The migration stopped: The connection to the source was lost\. .*start again/);
    expect(onfinish).not.toHaveBeenCalled();
  });

  it('keeps the form while a run holds it', async () => {
    let release: () => void = () => {};
    const core = fake(() => new Promise((resolve) => (release = () => resolve(report))));
    const migration = await checked(core);
    const running = migration.start(false);
    migration.fill([sandbox], sandbox);
    expect(migration.form.to).toBe('oasys-prod');
    // A second start while one runs is ignored.
    await migration.start(false);
    expect(core.runMigration).toHaveBeenCalledTimes(1);
    release();
    await running;
  });
});

describe('stop', () => {
  /** A checked migration whose run stays open until `end` hands it its report. */
  async function running(core = fake(() => new Promise((resolve) => (end = resolve)))) {
    const migration = new Migration({ core, stopRetryMs: 0 });
    migration.form = { from: 'aws-archive', to: 'oasys-prod', prefix: '' };
    await migration.check();
    const run = migration.start(false);
    return { core, migration, run };
  }
  let end: (report: MigrationReport) => void = () => {};
  const stoppedReport: MigrationReport = { ...report, copied: { objects: 2, bytes: 2_000 }, not_started: { objects: 4, bytes: 4_000 } };

  it('asks the core to stop, without asking the person, and shows it stopping until the report', async () => {
    const { core, migration, run } = await running();
    await migration.stop();
    expect(core.cancelMigration).toHaveBeenCalledTimes(1);
    expect(migration.running).toBe(true);
    expect(migration.stopping).toBe(true);
    // Pressed again while stopping: nothing more to ask.
    await migration.stop();
    expect(core.cancelMigration).toHaveBeenCalledTimes(1);
    end(stoppedReport);
    await run;
    expect(migration.running).toBe(false);
    expect(migration.stopping).toBe(false);
    expect(migration.report).toEqual(stoppedReport);
    expect(migration.error).toBeNull();
  });

  it('a stopped run is a report, not an error, and the next run needs a fresh check', async () => {
    const onfinish = vi.fn();
    const core = fake(async () => stoppedReport);
    const migration = new Migration({ core, onfinish });
    migration.form = { from: 'aws-archive', to: 'oasys-prod', prefix: '' };
    await migration.check();
    await migration.start(false);
    expect(onfinish).toHaveBeenCalledWith(stoppedReport, { from: 'aws-archive', to: 'oasys-prod', prefix: '' });
    expect(migration.error).toBeNull();
    expect(migration.current).toBeNull();
  });

  it('does nothing when no run is going', async () => {
    const core = fake();
    const migration = new Migration({ core });
    await migration.stop();
    expect(core.cancelMigration).not.toHaveBeenCalled();
    expect(migration.stopping).toBe(false);
  });

  // The core takes a run on once it has opened both connections; a Stop before that is asked again.
  it('asks again while the core has no run to stop yet, until it takes the Stop', async () => {
    const { core, migration, run } = await running();
    core.cancelMigration.mockResolvedValueOnce(false).mockResolvedValueOnce(false);
    await migration.stop();
    expect(core.cancelMigration).toHaveBeenCalledTimes(3);
    expect(migration.stopping).toBe(true);
    end(stoppedReport);
    await run;
  });

  it('stops asking when the run ends meanwhile, and never stops the next one', async () => {
    const { core, migration, run } = await running();
    core.cancelMigration.mockResolvedValue(false);
    const stopping = migration.stop();
    end(report);
    await run;
    await stopping;
    expect(migration.stopping).toBe(false);
    const asked = core.cancelMigration.mock.calls.length;
    // The next run starts while the first Stop would have been asking.
    migration.form.prefix = 'acme/';
    await migration.check();
    const next = migration.start(false);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(core.cancelMigration).toHaveBeenCalledTimes(asked);
    expect(migration.stopping).toBe(false);
    end(report);
    await next;
  });

  it('says when the core could not stop it, and lets Stop be pressed again', async () => {
    const { core, migration, run } = await running();
    core.cancelMigration.mockRejectedValueOnce(new IpcFailure({ code: 'internal', message: 'The core did not answer.' }));
    await migration.stop();
    expect(migration.stopping).toBe(false);
    expect(migration.running).toBe(true);
    expect(migration.error).toBe('Couldn’t stop the migration: The core did not answer. It is still running.');
    await migration.stop();
    expect(migration.stopping).toBe(true);
    end(stoppedReport);
    await run;
  });
});
