// Server-renders the tenant names in the sidebar and its dialogs, and the Usage view with a
// report, and checks the words and the selectors the end-to-end tests drive.
import { render } from 'svelte/server';
import { describe, expect, it, vi } from 'vitest';
import type { Prices, TenantEntry, UsageReport } from '../ipc';
import { TenantDirectory } from '../browse/tenants.svelte';
import { Usage } from '../usage/report.svelte';
import AddTenantDialog from './AddTenantDialog.svelte';
import MonthChart from './MonthChart.svelte';
import PricesDialog from './PricesDialog.svelte';
import RenameTenantDialog from './RenameTenantDialog.svelte';
import Sidebar from './Sidebar.svelte';
import UsageView from './UsageView.svelte';

const noop = () => {};
/** The rendered HTML without Svelte's hydration comments. */
const html = (rendered: { body: string }) => rendered.body.replace(/<!--.*?-->/g, '');

const acme: TenantEntry = { id: 'acme', name: 'Acme Corporation', has_files: true };
const globex: TenantEntry = { id: 'globex', name: null, has_files: true };
const initech: TenantEntry = { id: 'initech', name: null, has_files: false };

async function directoryOf(entries: TenantEntry[]) {
  const directory = new TenantDirectory({ tenantDirectory: async () => entries, addTenant: async () => entries, renameTenant: async () => entries });
  await directory.load();
  return directory;
}

const prices: Prices = {
  source: 'cloudflare.com and aws.amazon.com list prices',
  as_of: '2025-06',
  currency: 'USD',
  r2_storage_gb_month: 0.015,
  r2_free_gb: 10,
  s3_storage_gb_month: 0.023,
  s3_egress_gb: 0.09,
  s3_egress_free_gb: 100,
};

const GB = 1_000_000_000;
const report: UsageReport = {
  generated_at: '2025-01-28T15:00:00Z',
  scope: null,
  objects: 3_204,
  bytes: 60 * GB,
  tenants: [
    {
      tenant: 'globex',
      name: null,
      objects: 204,
      bytes: 10 * GB,
      categories: { documents: { objects: 200, bytes: 9 * GB }, images: { objects: 4, bytes: GB }, uploads: { objects: 0, bytes: 0 } },
      months: [],
    },
    {
      tenant: 'acme',
      name: 'Acme Corporation',
      objects: 3_000,
      bytes: 50 * GB,
      categories: { documents: { objects: 1000, bytes: 20 * GB }, images: { objects: 2000, bytes: 30 * GB }, uploads: { objects: 0, bytes: 0 } },
      months: [],
    },
  ],
  months: [
    { month: '2024-11', objects: 1_000, bytes: 20 * GB },
    { month: '2025-01', objects: 2_204, bytes: 40 * GB },
  ],
  largest: [{ key: 'acme/images/20250127_123456_abc123_scan.tiff', tenant: 'acme', size: 2 * GB, modified: '2025-01-27T12:34:56Z' }],
  cost: { stored_gb: 60, downloaded_gb: 0, r2_storage: 0.75, r2_egress: 0, s3_storage: 1.38, s3_egress: 0, r2_total: 0.75, s3_total: 1.38, prices },
  seconds: 2.4,
};

describe('Sidebar', () => {
  async function sidebar(prefix = '') {
    const directory = await directoryOf([acme, globex, initech]);
    return html(
      render(Sidebar, {
        props: {
          place: 'test',
          prefix,
          view: 'files',
          directory,
          onnavigate: noop,
          onlinks: noop,
          onusage: noop,
          onmigrate: noop,
          onsync: noop,
          onaddfolder: noop,
          onaddtenant: noop,
          onrenametenant: noop,
          ontenantmenu: noop,
        },
      }),
    );
  }

  it('lists tenants by name with the id beside it, in the core’s order', async () => {
    const body = await sidebar();
    expect(body).toMatch(/data-testid="tenant-acme"[^>]*title="Acme Corporation \(acme\)"[\s\S]*?>Acme Corporation<\/span>[\s\S]*?data-testid="tenant-id"[^>]*>acme</);
    expect(body.indexOf('data-testid="tenant-acme"')).toBeLessThan(body.indexOf('data-testid="tenant-globex"'));
    expect(body).toMatch(/data-testid="tenant-globex"[^>]*title="globex"/);
  });

  it('lists a tenant without files yet, and says so', async () => {
    const body = await sidebar();
    expect(body).toMatch(/data-testid="tenant-initech"[^>]*title="initech · no files yet"[\s\S]*?no files yet/);
  });

  it('offers Add tenant, and Rename on the tenant the files are in', async () => {
    expect(await sidebar()).toContain('data-testid="tenant-add"');
    expect(await sidebar()).not.toContain('data-testid="tenant-rename"');
    const inAcme = await sidebar('acme/documents/');
    expect(inAcme).toMatch(/aria-label="Rename tenant Acme Corporation"[^>]*data-testid="tenant-rename"/);
    expect(inAcme.match(/data-testid="tenant-rename"/g)).toHaveLength(1);
  });

  it('has the way into the usage view', async () => {
    expect(await sidebar()).toMatch(/data-testid="open-usage"[\s\S]*?Storage and cost/);
  });
});

describe('tenant dialogs', () => {
  it('rename starts from the name and says what an empty one does', async () => {
    const directory = await directoryOf([acme]);
    const body = html(render(RenameTenantDialog, { props: { tenant: acme, directory, onclose: noop, onrenamed: noop } }));
    expect(body).toContain('data-testid="tenant-rename-dialog"');
    expect(body).toMatch(/<input[^>]*value="Acme Corporation"[^>]*data-testid="tenant-rename-input"/);
    expect(body).toContain('leave the name empty to show the ID again');
    expect(body).toContain('data-testid="tenant-rename-confirm"');
  });

  it('add asks for the id and an optional name', async () => {
    const directory = await directoryOf([]);
    const body = html(render(AddTenantDialog, { props: { directory, onclose: noop, onadded: noop } }));
    expect(body).toContain('data-testid="tenant-add-dialog"');
    expect(body).toMatch(/<label for="tenant-add-id"[^>]*>\s*ID/);
    expect(body).toMatch(/<label for="tenant-add-name"[^>]*>\s*Name\s*<span[^>]*>optional/);
    expect(body).toMatch(/data-testid="tenant-add-confirm"[^>]*>/);
  });
});

describe('UsageView', () => {
  async function view(cached: UsageReport | null = report) {
    const usage = new Usage({
      cachedUsage: async () => cached,
      usageReport: vi.fn(async () => report),
      getPrices: async () => prices,
      setPrices: async (p) => p,
    });
    await usage.open();
    const directory = await directoryOf([acme, { ...globex, name: 'Globex' }]);
    return html(render(UsageView, { props: { directory, usage, onreveal: noop, onopen: noop, ontoast: noop } }));
  }

  it('shows the totals and the report’s age with Refresh', async () => {
    const body = await view();
    expect(body).toContain('data-testid="usage-view"');
    expect(body).toMatch(/data-testid="usage-files"[^>]*>3,204</);
    expect(body).toMatch(/data-testid="usage-bytes"[^>]*>60 GB</);
    expect(body).toMatch(/data-testid="usage-age"[\s\S]*?As of /);
    expect(body).toContain('data-testid="usage-refresh"');
  });

  it('lists tenants biggest first, by name, with their bars by folder', async () => {
    const body = await view();
    const rows = [...body.matchAll(/data-testid="usage-tenant-row" data-tenant="([^"]+)"/g)].map((m) => m[1]);
    expect(rows).toEqual(['acme', 'globex']);
    // Globex's name comes from the directory: the report predates it.
    expect(body).toMatch(/data-tenant="globex"[\s\S]*?>Globex</);
    expect(body).toMatch(/class="part images[^"]*"[^>]*title="images: 2,000 files, 30 GB \(60%\)"/);
    expect(body).toMatch(/class="legend[\s\S]*documents[\s\S]*images[\s\S]*uploads[\s\S]*other/);
  });

  it('compares R2 and S3 a month, with the prices’ source and a way to edit them', async () => {
    const body = await view();
    expect(body).toContain('data-testid="usage-cost"');
    expect(body).toMatch(/<label for="usage-download"[^>]*>GB downloaded per month</);
    expect(body).toMatch(/data-testid="usage-r2-total"[^>]*>\$0\.75</);
    expect(body).toMatch(/data-testid="usage-s3-total"[^>]*>\$1\.38</);
    expect(body).toMatch(/data-testid="usage-verdict"[^>]*>\s*R2 costs \$0\.63 less a month/);
    expect(body).toContain('as of 2025-06 (USD)');
    expect(body).toContain('data-testid="usage-edit-prices"');
  });

  it('lists the largest files by name, where they are', async () => {
    const body = await view();
    expect(body).toMatch(/data-testid="usage-largest-file"[\s\S]*?>scan\.tiff<[\s\S]*?Acme Corporation › images/);
  });

  it('says it is listing while the first report is made', async () => {
    const usage = new Usage({
      cachedUsage: async () => null,
      usageReport: () => new Promise<UsageReport>(() => {}),
      getPrices: async () => prices,
      setPrices: async (p) => p,
    });
    void usage.open();
    await Promise.resolve();
    await Promise.resolve();
    const directory = await directoryOf([]);
    const body = html(render(UsageView, { props: { directory, usage, onreveal: noop, onopen: noop, ontoast: noop } }));
    expect(body).toContain('data-testid="usage-waiting"');
    expect(body).not.toContain('data-testid="usage-cost"');
  });
});

describe('MonthChart', () => {
  it('draws a bar a month, empty months included, each with its tooltip', () => {
    const body = html(render(MonthChart, { props: { months: report.months, until: '2025-01' } }));
    expect(body.match(/class="month[^"]*"/g)).toHaveLength(3);
    expect(body).toContain('<title>Nov 2024: 1,000 files, 20 GB</title>');
    expect(body).toContain('<title>Dec 2024: 0 files, 0 B</title>');
    expect(body).toMatch(/role="img" aria-label="Bytes stored by month, Nov 2024 to Jan 2025; the most in Jan 2025, 40 GB\."/);
    // The axis's top is a round figure above the tallest bar.
    expect(body).toContain('>50 GB</text>');
  });
});

describe('PricesDialog', () => {
  it('lists every figure of the price table, labelled with its unit', () => {
    const body = html(render(PricesDialog, { props: { prices, onsave: async () => {}, onclose: noop } }));
    expect(body).toContain('data-testid="prices-dialog"');
    expect(body).toMatch(/<label for="price-s3_egress_gb"[^>]*>\s*S3 transfer out \(per GB\)/);
    expect(body).toMatch(/<input[^>]*value="0\.015"[^>]*data-testid="price-r2_storage_gb_month"/);
    expect(body).toContain('data-testid="prices-save"');
  });
});
