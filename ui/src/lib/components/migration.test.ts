// Server-renders the Migrate view in each of its states and the watched-folder places that show
// a folder of client folders, and checks the words and the selectors the end-to-end tests drive.
import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import type { MigrationPlan, MigrationProgress, MigrationReport, TenantEntry, WatchedFolderRow } from '../ipc';
import { TenantDirectory } from '../browse/tenants.svelte';
import { fakeCore, profile, reportFor, type Run } from '../migrate/fixtures';
import { Migration } from '../migrate/migration.svelte';
import AddFolderDialog from './AddFolderDialog.svelte';
import MigrationView from './MigrationView.svelte';
import Sidebar from './Sidebar.svelte';

const noop = () => {};
/** The rendered HTML without Svelte's hydration comments. */
const html = (rendered: { body: string }) => rendered.body.replace(/<!--.*?-->/g, '');

const r2 = profile('oasys-prod', 'r2', { is_default: true });
const s3 = profile('aws-archive', 's3', { bucket: 'invoices-2019' });

const plan: MigrationPlan = {
  source: { objects: 1_840, bytes: 12_400_000_000 },
  to_copy: { objects: 1_204, bytes: 3_200_000_000 },
  already_there: { objects: 633, bytes: 9_100_000_000 },
  conflicts: ['acme/a.pdf', 'acme/b.pdf', 'acme/c.pdf', 'acme/d.pdf', 'acme/e.pdf', 'acme/f.pdf', 'acme/g.pdf'],
  estimated_seconds: 76,
  estimate_basis: '50 MB/s and 100 objects/s, a conservative internet rate; the real rate shows as it runs',
};
const report = reportFor(plan, {
  copied: { objects: 1_202, bytes: 3_100_000_000 },
  checked_bytes_only: 14,
  failed: [{ key: 'acme/x.pdf', reason: 'the source changed while it was read' }],
  seconds: 185,
});

/** A migration with its form filled; `run` holds the run open when given. */
function migrationWith(run?: Run) {
  const migration = new Migration({ core: fakeCore(plan, report, run), now: (() => { let t = 0; return () => (t += 1000); })() });
  migration.fill([r2, s3], r2);
  return migration;
}

const view = (migration: Migration, profiles = [r2, s3]) =>
  html(render(MigrationView, { props: { migration, profiles, active: r2, onadd: noop, ontoast: noop } }));

describe('MigrationView', () => {
  it('offers the form with the pair filled in, Check, and Start disabled until a plan shows', () => {
    const body = view(migrationWith());
    for (const testid of ['migration-view', 'migration-from', 'migration-to', 'migration-prefix', 'migration-check', 'migration-start']) {
      expect(body).toContain(`data-testid="${testid}"`);
    }
    expect(body).toMatch(/<option value="aws-archive" selected[^>]*>aws-archive — S3 · invoices-2019</);
    expect(body).toMatch(/<button[^>]*disabled[^>]*data-testid="migration-start"/);
    expect(body).not.toContain('data-testid="migration-plan"');
  });

  it('tells of Super Slurper and Sippy, and what their ETags mean for Cubby', () => {
    const body = view(migrationWith());
    expect(body).toContain('Super Slurper');
    expect(body).toContain('Sippy');
    expect(body).toMatch(/keep their source’s ETags, so Cubby\s+cannot use those ETags to verify downloads of objects that were uploaded in parts/);
  });

  it('asks for an S3 connection first when there is only one', () => {
    const body = view(migrationWith(), [r2]);
    expect(body).toContain('data-testid="migration-need-source"');
    expect(body).toContain('data-testid="migration-add-connection"');
  });

  it('shows the plan: to copy, already there, the keys in the way and the estimate with its basis', async () => {
    const migration = migrationWith();
    await migration.check();
    const body = view(migration);
    expect(body).toContain('data-testid="migration-plan"');
    expect(body).toMatch(/data-testid="migration-plan-copy"[^>]*>1,204 objects \(3.2 GB\)</);
    expect(body).toMatch(/data-testid="migration-plan-there"[^>]*>633 objects \(9.1 GB\)</);
    expect(body).toMatch(/data-testid="migration-plan-conflicts"[^>]*>7 objects</);
    expect(body).toMatch(/data-testid="migration-conflicts"[\s\S]*?acme\/a\.pdf[\s\S]*?acme\/e\.pdf[\s\S]*?and 2 more/);
    expect(body).not.toContain('acme/f.pdf');
    expect(body).toMatch(/data-testid="migration-plan-time"[^>]*>about 1 min</);
    expect(body).toMatch(/data-testid="migration-plan-basis"[^>]*>Assumes 50 MB\/s and 100 objects\/s/);
    expect(body).not.toMatch(/<button[^>]*disabled[^>]*data-testid="migration-start"/);
  });

  it('shows a run’s progress: the bar, the counts, the rate and the last key', async () => {
    let send: (p: MigrationProgress) => void = noop;
    const migration = migrationWith((onProgress) => {
      send = onProgress;
      return new Promise<MigrationReport>(() => {});
    });
    await migration.check();
    void migration.start(false);
    await Promise.resolve();
    send({ done: { objects: 100, bytes: 400_000_000 }, total: plan.to_copy, failed: 1, last_key: 'acme/documents/scan.pdf' });
    send({ done: { objects: 312, bytes: 1_200_000_000 }, total: plan.to_copy, failed: 1, last_key: 'acme/documents/invoice.pdf' });
    const body = view(migration);
    expect(body).toContain('data-testid="migration-progress"');
    expect(body).toMatch(/role="progressbar"[^>]*aria-valuenow="37"/);
    expect(body).toMatch(/data-testid="migration-progress-counts"[\s\S]*?312 of 1,204 objects · 1.2 GB of 3.2 GB · 1 failed/);
    expect(body).toMatch(/data-testid="migration-rate"[^>]*>600 MB\/s · 156 objects\/s · 4 s left</);
    expect(body).toMatch(/data-testid="migration-last-key"[^>]*>acme\/documents\/invoice\.pdf</);
    // The form is held while it runs.
    expect(body).toMatch(/<select[^>]*disabled[^>]*data-testid="migration-from"/);
    // It can be stopped, nothing asked; the page says what Stop does.
    expect(body).toMatch(/<button(?![^>]*disabled)[^>]*data-testid="migration-cancel"[^>]*>\s*Stop\s*</);
    expect(body).not.toContain('data-testid="migration-stopping"');
    expect(body).toMatch(/Stop starts no more objects and lets those being copied finish/);
    expect(body).not.toContain('data-testid="migration-report"');
  });

  it('shows a run stopping until it ends: Stop busy, and that the objects being copied finish', async () => {
    const migration = migrationWith(() => new Promise<MigrationReport>(() => {}));
    await migration.check();
    void migration.start(false);
    await migration.stop();
    const body = view(migration);
    expect(body).toContain('data-testid="migration-progress"');
    expect(body).toMatch(/<button[^>]*disabled[^>]*aria-busy="true"[^>]*data-testid="migration-cancel"/);
    expect(body).toMatch(/role="status" data-testid="migration-stopping">Stopping… the objects being copied finish</);
    expect(body).not.toContain('data-testid="migration-confirm"');
  });

  it('reports a stopped run as stopped, with what was not started and how to copy it', async () => {
    const stopped: MigrationReport = { ...report, copied: { objects: 312, bytes: 1_200_000_000 }, not_started: { objects: 890, bytes: 1_900_000_000 }, seconds: 42 };
    const migration = migrationWith(async () => stopped);
    await migration.check();
    await migration.start(false);
    const body = view(migration);
    expect(body).toMatch(/id="migrate-report-title"[^>]*>\s*Migration into oasys-prod stopped\s*</);
    expect(body).toMatch(/data-testid="migration-report-line"[^>]*>Copied 312 objects \(1.2 GB\) in 42 s before it was stopped; 1 not copied\.</);
    expect(body).toMatch(/data-testid="migration-not-started"[^>]*>Stopped: 890 objects \(1.9 GB\) not started — Check and Start again to copy them\.</);
    expect(body).not.toContain('data-testid="migration-progress"');
  });

  it('reports what was copied, what was checked by bytes only and why, and each failure with its reason', async () => {
    const migration = migrationWith();
    await migration.check();
    await migration.start(false);
    const body = view(migration);
    expect(body).toContain('data-testid="migration-report"');
    expect(body).toMatch(/id="migrate-report-title"[^>]*>\s*Migration into oasys-prod finished\s*</);
    expect(body).not.toContain('data-testid="migration-not-started"');
    expect(body).toMatch(/data-testid="migration-report-line"[^>]*>Copied 1,202 objects \(3.1 GB\) in 3 min 5 s; 1 not copied\.</);
    expect(body).toMatch(/data-testid="migration-report-bytes-only"[^>]*>14 objects</);
    expect(body).toContain('Their source ETag isn’t an MD5');
    expect(body).toMatch(/data-testid="migration-failed"[\s\S]*?acme\/x\.pdf[\s\S]*?the source changed while it was read/);
    expect(body).toContain('data-testid="migration-copy-failed"');
  });
});

describe('client folders', () => {
  it('the Add folder dialog offers one tenant or each subfolder a tenant, and says what the second does', () => {
    const body = html(render(AddFolderDialog, { props: { defaultTenant: 'acme', onclose: noop, onadded: noop } }));
    expect(body).toMatch(/<input type="radio"[^>]*value="one"[^>]*checked[^>]*data-testid="folder-one-tenant"/);
    expect(body).toContain('All files go to one tenant');
    expect(body).toMatch(/<input type="radio"[^>]*value="per-subfolder"[^>]*data-testid="folder-per-subfolder"/);
    expect(body).toContain('Each subfolder is a client (tenant)');
    expect(body).toContain('Clients/acme/receipt.pdf goes to acme');
    expect(body).toMatch(/<input[^>]*value="acme"[^>]*data-testid="add-folder-tenant"/);
  });

  it('the sidebar shows "Client folders" instead of the core’s placeholder tenant, and the way into Migrate', async () => {
    const entries: TenantEntry[] = [{ id: 'acme', name: null, has_files: true }];
    const directory = new TenantDirectory({ tenantDirectory: async () => entries, addTenant: async () => entries, renameTenant: async () => entries });
    await directory.load();
    const clients: WatchedFolderRow = {
      path: '/home/a/Clients',
      name: 'Clients',
      tenant: 'one tenant per subfolder',
      per_subfolder: true,
      category: 'auto',
      after_upload: 'keep',
      paused: false,
      waiting: 0,
      queued: 0,
      uploading: 0,
      uploaded: 4,
      failed: 0,
    };
    const props = {
      place: 'test',
      prefix: '',
      view: 'files' as const,
      directory,
      watched: [clients],
      onnavigate: noop,
      onlinks: noop,
      onusage: noop,
      onmigrate: noop,
      onsync: noop,
      onaddfolder: noop,
      onaddtenant: noop,
      onrenametenant: noop,
      ontenantmenu: noop,
    };
    const body = html(render(Sidebar, { props }));
    expect(body).toMatch(/data-testid="watched-Clients"[\s\S]*?Clients → Client folders</);
    expect(body).not.toContain('one tenant per subfolder');
    expect(body).toMatch(/data-testid="open-migration"[\s\S]*?Migrate from S3…/);
    expect(body).not.toContain('data-testid="migration-running"');
    expect(html(render(Sidebar, { props: { ...props, migrating: 42 } }))).toMatch(/data-testid="migration-running"[^>]*>42%</);
  });
});
