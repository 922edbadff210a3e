// The mock core's bucket (see ./mock.ts; development only): three tenants, one named, one added
// before its first file, a few hundred files over two years, for browsing, searching and the
// Usage view in a plain browser. Searching "scan" finds little until "Search the whole bucket",
// as the real index does before a full listing. Watched folders can be added (the folder picker
// answers ~/Clients), paused and removed; a folder of client folders reports two problems: a file
// outside any client's subfolder, and a subfolder whose name cannot be a tenant ID.

import type { AfterUpload, FileEntry, Findings, Found, Prices, SyncProblem, TenantEntry, UsageReport, WatchedFolderRow } from './index';

const DAY = 86_400_000;
const CATEGORY_FOLDERS = ['documents', 'images', 'uploads'] as const;

type Channelled = { id: number };

let tenants: TenantEntry[] = [
  { id: 'acme-corp', name: 'Acme Corporation', has_files: true },
  { id: 'globex', name: null, has_files: true },
  { id: 'initech', name: 'Initech', has_files: false },
];
let prices: Prices = {
  source: 'cloudflare.com/developer-platform/products/r2 (R2 Standard) and aws.amazon.com/s3/pricing (S3 Standard, US East), list prices',
  as_of: '2025-06',
  currency: 'USD',
  r2_storage_gb_month: 0.015,
  r2_free_gb: 10,
  s3_storage_gb_month: 0.023,
  s3_egress_gb: 0.09,
  s3_egress_free_gb: 100,
};
let watched: WatchedFolderRow[] = [];
let cached: UsageReport | null = null;
let completeAt: string | null = null;
const opened = new Set<string>();

const NAMES = ['invoice', 'receipt', 'scan', 'contract', 'photo', 'statement', 'delivery-note'];
const EXT: Record<(typeof CATEGORY_FOLDERS)[number], [string, string]> = {
  documents: ['pdf', 'application/pdf'],
  images: ['jpg', 'image/jpeg'],
  uploads: ['zip', 'application/zip'],
};

/** Every file of the demo bucket, made once from a fixed seed. */
const files: FileEntry[] = (() => {
  const out: FileEntry[] = [];
  let seed = 7;
  const next = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
  const now = Date.now();
  for (const tenant of ['acme-corp', 'globex']) {
    for (const folder of CATEGORY_FOLDERS) {
      const count = tenant === 'acme-corp' ? 140 : 45;
      for (let i = 0; i < count; i++) {
        const when = new Date(now - Math.floor(next() * 700) * DAY);
        const stamp = when.toISOString().replace(/[-:]/g, '').slice(0, 15).replace('T', '_');
        const [ext, contentType] = EXT[folder];
        const name = `${NAMES[Math.floor(next() * NAMES.length)]}-${String(i).padStart(4, '0')}.${ext}`;
        const size = Math.floor((folder === 'images' ? 3_000_000 : 400_000) * (0.2 + next() * 4));
        out.push({ key: `${tenant}/${folder}/${stamp}_${Math.floor(next() * 1e6).toString(36).padStart(6, '0').slice(0, 6)}_${name}`, name, size, modified: when.toISOString(), content_type: contentType });
      }
    }
  }
  return out;
})();

const folderOf = (key: string) => key.slice(0, key.lastIndexOf('/') + 1);

function sendPages(channel: Channelled, page: unknown): void {
  const internals = (window as unknown as { __TAURI_INTERNALS__: { runCallback: (id: number, data: unknown) => void } }).__TAURI_INTERNALS__;
  internals.runCallback(channel.id, { message: page, index: 0 });
  internals.runCallback(channel.id, { end: true, index: 1 });
}

function report(downloadGb: number): UsageReport {
  const byTenant = new Map<string, UsageReport['tenants'][number]>();
  const months = new Map<string, { objects: number; bytes: number }>();
  for (const f of files) {
    const [tenant, folder] = f.key.split('/');
    const t = byTenant.get(tenant) ?? {
      tenant,
      name: tenants.find((e) => e.id === tenant)?.name ?? null,
      objects: 0,
      bytes: 0,
      categories: { documents: { objects: 0, bytes: 0 }, images: { objects: 0, bytes: 0 }, uploads: { objects: 0, bytes: 0 } },
      months: [],
    };
    t.objects += 1;
    t.bytes += f.size;
    const c = t.categories[folder] ?? (t.categories.other ??= { objects: 0, bytes: 0 });
    c.objects += 1;
    c.bytes += f.size;
    byTenant.set(tenant, t);
    const month = (f.modified ?? '').slice(0, 7);
    const m = months.get(month) ?? { objects: 0, bytes: 0 };
    m.objects += 1;
    m.bytes += f.size;
    months.set(month, m);
  }
  const bytes = files.reduce((sum, f) => sum + f.size, 0);
  const storedGb = bytes / 1e9;
  const r2 = Math.max(storedGb - (prices.r2_free_gb ?? 0), 0) * (prices.r2_storage_gb_month ?? 0);
  const s3Storage = storedGb * (prices.s3_storage_gb_month ?? 0);
  const s3Egress = Math.max(downloadGb - (prices.s3_egress_free_gb ?? 0), 0) * (prices.s3_egress_gb ?? 0);
  return {
    generated_at: new Date().toISOString(),
    scope: null,
    objects: files.length,
    bytes,
    tenants: [...byTenant.values()],
    months: [...months.entries()].sort().map(([month, count]) => ({ month, ...count })),
    largest: [...files]
      .sort((a, b) => b.size - a.size)
      .slice(0, 10)
      .map((f) => ({ key: f.key, tenant: f.key.split('/')[0], size: f.size, modified: f.modified })),
    cost: { stored_gb: storedGb, downloaded_gb: downloadGb, r2_storage: r2, r2_egress: 0, s3_storage: s3Storage, s3_egress: s3Egress, r2_total: r2, s3_total: s3Storage + s3Egress, prices },
    seconds: 2.4,
  };
}

function find(text: string, refresh: boolean): Findings {
  if (refresh) completeAt = new Date().toISOString();
  const seen = completeAt ? files : files.filter((f) => opened.has(folderOf(f.key)));
  const needle = text.toLowerCase();
  const results: Found[] = seen
    .filter((f) => f.name.toLowerCase().includes(needle))
    .slice(0, 200)
    .map((f) => ({ key: f.key, tenant: f.key.split('/')[0], name: f.name, folder: folderOf(f.key), size: f.size, modified: f.modified }));
  return { results, truncated: results.length === 200, indexed: seen.length, complete_at: completeAt };
}

function checkId(id: string): void {
  if (!/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/.test(id)) {
    throw { code: 'invalid', message: `“${id}” is not a tenant ID: use 1–128 ASCII letters, digits, “-”, “_” or “.”, not starting with “.”.` };
  }
}

function watch(path: string, tenant: string | null, category: string, afterUpload: AfterUpload): WatchedFolderRow {
  if (path.trim() === '') throw { code: 'invalid', message: 'Choose a folder to watch.' };
  if (watched.some((f) => f.path === path)) throw { code: 'already_exists', message: `${path} is already watched.` };
  if (tenant !== null) checkId(tenant);
  const perSubfolder = tenant === null;
  const folder: WatchedFolderRow = {
    path,
    name: path.split('/').filter(Boolean).pop() ?? path,
    tenant: tenant ?? 'one tenant per subfolder',
    per_subfolder: perSubfolder,
    category,
    after_upload: afterUpload,
    paused: false,
    waiting: 0,
    queued: 0,
    uploading: 0,
    uploaded: perSubfolder ? 12 : 0,
    failed: perSubfolder ? 2 : 0,
  };
  watched = [...watched, folder];
  return folder;
}

function problems(path: string): SyncProblem[] {
  if (!watched.find((f) => f.path === path)?.per_subfolder) return [];
  return [
    { path: `${path}/notes.txt`, state: 'failed', attempts: 1, key: null, reason: 'not in a client’s subfolder: each subfolder here is a tenant, so move the file into one' },
    {
      path: `${path}/Old clients/contract.pdf`,
      state: 'failed',
      attempts: 1,
      key: null,
      reason: "the subfolder 'Old clients' cannot be a tenant (a tenant ID uses letters, digits, '-', '_' and '.'); rename the subfolder",
    },
  ];
}

/** The answer to a browsing command, or undefined when `cmd` is not one of them. */
export async function bucketCommand(cmd: string, args: Record<string, unknown>): Promise<unknown> {
  switch (cmd) {
    case 'list_tenants':
      return tenants.map((t) => t.id);
    case 'tenant_directory':
      return tenants;
    case 'add_tenant': {
      const id = String(args.id);
      checkId(id);
      if (tenants.some((t) => t.id === id)) throw { code: 'already_exists', message: `There is already a tenant “${id}”.` };
      tenants = [...tenants, { id, name: (args.name as string | null) ?? null, has_files: false }];
      return tenants;
    }
    case 'rename_tenant':
      tenants = tenants.map((t) => (t.id === args.id ? { ...t, name: String(args.name).trim() || null } : t));
      return tenants;
    case 'tenant_folders':
      return CATEGORY_FOLDERS.map((c) => ({ name: c, prefix: `${String(args.tenant)}/${c}/`, category: c }));
    case 'list_folder': {
      const prefix = String(args.prefix);
      opened.add(prefix);
      const folders =
        prefix === ''
          ? tenants.map((t) => ({ name: t.id, prefix: `${t.id}/`, category: null }))
          : prefix.split('/').length === 2
            ? CATEGORY_FOLDERS.map((c) => ({ name: c, prefix: `${prefix}${c}/`, category: c }))
            : [];
      const inside = files.filter((f) => folderOf(f.key) === prefix);
      sendPages(args.onPage as Channelled, { folders, files: inside });
      return { folders: folders.length, files: inside.length, bytes: inside.reduce((s, f) => s + f.size, 0) };
    }
    case 'find_files':
      if (args.refresh) await new Promise((resolve) => setTimeout(resolve, 1500));
      return find(String(args.text), args.refresh === true);
    case 'cached_usage':
      return cached ? { ...report(Number(args.downloadGb ?? 0)), generated_at: cached.generated_at } : null;
    case 'usage_report':
      await new Promise((resolve) => setTimeout(resolve, 2000));
      cached = report(Number(args.downloadGb ?? 0));
      completeAt = cached.generated_at;
      return cached;
    case 'get_prices':
      return prices;
    case 'set_prices':
      prices = args.prices as Prices;
      return prices;
    case 'watched_folders':
      return watched;
    case 'add_watched_folder':
      return watch(String(args.path ?? ''), (args.tenant as string | null) ?? null, String(args.category), args.afterUpload as AfterUpload);
    case 'remove_watched_folder':
      watched = watched.filter((f) => f.path !== args.path);
      return null;
    case 'pause_watched_folder':
      watched = watched.map((f) => (f.path === args.path ? { ...f, paused: args.paused === true } : f));
      return null;
    case 'sync_problems':
      return problems(String(args.path));
    case 'pick_folder':
      return args.purpose === 'watch' ? '/home/me/Clients' : '/home/me/Downloads';
    case 'list_links':
      return [];
    case 'watch_events':
    case 'report_startup':
      return null;
    case 'sync_paused':
      return false;
    default:
      return undefined;
  }
}
