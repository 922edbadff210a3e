import { afterEach, describe, expect, it, vi } from 'vitest';
import { IpcFailure, type FileEntry, type FolderEntry, type ListPage } from '../ipc';
import { folderSummary, Listing, SLOW_MS, type Core } from './listing.svelte';

const entry = (name: string, size = 1000, folder = 'acme/documents/'): FileEntry => ({
  key: `${folder}20250127_123456_abc123_${name}`,
  name,
  size,
  modified: null,
  content_type: 'application/octet-stream',
});
const dir = (name: string): FolderEntry => ({ name, prefix: `acme/${name}/`, category: null });

/** A core whose listings wait until the test delivers their pages and lets them finish. */
function fakeCore() {
  const listings: { prefix: string; page: (page: Partial<ListPage>) => void; finish: () => void; fail: (why: Error) => void }[] = [];
  const core: Core = {
    listFolder: vi.fn<Core['listFolder']>(
      (prefix, onPage) =>
        new Promise((resolve, reject) => {
          listings.push({
            prefix,
            page: (page) => onPage({ folders: [], files: [], ...page }),
            finish: () => resolve({ folders: 0, files: 0, bytes: 0 }),
            fail: reject,
          });
        }),
    ),
    reportStartup: vi.fn<Core['reportStartup']>().mockResolvedValue(undefined),
  };
  return { core, listings };
}

/** A listing of `prefix` holding `files`, done loading. */
async function listed(files: FileEntry[], prefix = 'acme/documents/', folders: FolderEntry[] = []): Promise<Listing> {
  const { core, listings } = fakeCore();
  const listing = new Listing(core);
  const done = listing.open(prefix);
  listings[0].page({ folders, files });
  listings[0].finish();
  await done;
  return listing;
}

describe('Listing', () => {
  it('streams pages into sorted rows, folders first, and says when it is done', async () => {
    const { core, listings } = fakeCore();
    const listing = new Listing(core);
    const done = listing.open('acme/');
    expect(listing.loading).toBe(true);
    expect(listing.tenant).toBe('acme');
    listings[0].page({ files: [entry('b.pdf')], folders: [dir('images')] });
    listings[0].page({ files: [entry('a.pdf')] });
    expect(listing.rows.map((r) => r.name)).toEqual(['images', 'a.pdf', 'b.pdf']);
    listings[0].finish();
    await done;
    expect(listing.loading).toBe(false);
    expect(listing.error).toBeNull();
  });

  it('shows the first rows at once and takes later pages a frame at a time', async () => {
    const { core, listings } = fakeCore();
    const frames: (() => void)[] = [];
    const listing = new Listing(core, (apply) => frames.push(apply));
    const done = listing.open('acme/documents/');
    listings[0].page({ files: [entry('c.pdf')] });
    expect(listing.rows.map((r) => r.name)).toEqual(['c.pdf']);
    expect(frames).toHaveLength(0);
    listings[0].page({ files: [entry('a.pdf')] });
    listings[0].page({ files: [entry('b.pdf')] });
    expect(listing.rows.map((r) => r.name)).toEqual(['c.pdf']);
    expect(frames).toHaveLength(1);
    frames.shift()?.();
    expect(listing.rows.map((r) => r.name)).toEqual(['a.pdf', 'b.pdf', 'c.pdf']);
    // A page still waiting for its frame when the listing ends is taken then.
    listings[0].page({ files: [entry('d.pdf')] });
    listings[0].finish();
    await done;
    expect(listing.rows.map((r) => r.name)).toEqual(['a.pdf', 'b.pdf', 'c.pdf', 'd.pdf']);
    expect(listing.loading).toBe(false);
    // Its frame comes later and finds nothing left to take.
    frames.shift()?.();
    expect(listing.files).toHaveLength(4);
  });

  it('keeps the pages that arrived before storage stopped answering', async () => {
    const { core, listings } = fakeCore();
    const frames: (() => void)[] = [];
    const listing = new Listing(core, (apply) => frames.push(apply));
    const done = listing.open('acme/documents/');
    listings[0].page({ files: [entry('a.pdf')] });
    listings[0].page({ files: [entry('b.pdf')] });
    listings[0].fail(new Error('Access denied'));
    await done;
    expect(listing.rows.map((r) => r.name)).toEqual(['a.pdf', 'b.pdf']);
    expect(listing.error).toBe('Access denied');
  });

  it('discards the late pages and the failure of a listing that was left', async () => {
    const { core, listings } = fakeCore();
    const listing = new Listing(core);
    const first = listing.open('acme/documents/');
    const second = listing.open('acme/images/');
    listings[0].page({ files: [entry('old.pdf')] });
    listings[0].fail(new Error('timed out'));
    await first;
    expect(listing.files).toEqual([]);
    expect(listing.error).toBeNull();
    expect(listing.loading).toBe(true);
    listings[1].page({ files: [entry('new.jpg', 1, 'acme/images/')] });
    listings[1].finish();
    await second;
    expect(listing.prefix).toBe('acme/images/');
    expect(listing.rows.map((r) => r.name)).toEqual(['new.jpg']);
    expect(listing.loading).toBe(false);
  });

  it('says why a listing failed', async () => {
    const { core, listings } = fakeCore();
    const listing = new Listing(core);
    const done = listing.open('acme/');
    listings[0].fail(new Error('Access denied'));
    await done;
    expect(listing.error).toBe('Access denied');
    expect(listing.loading).toBe(false);
  });

  it('empties the filter and forgets the old rows when another folder opens', async () => {
    const { core, listings } = fakeCore();
    const listing = new Listing(core);
    void listing.open('acme/documents/');
    listings[0].page({ files: [entry('a.pdf')] });
    listing.filter = 'a.pdf';
    void listing.open('acme/images/');
    expect(listing.filter).toBe('');
    expect(listing.rows).toEqual([]);
    expect(listing.summary).toBe('0 objects, 0 B so far (listing…)');
  });

  it('filters and sorts the rows it shows', async () => {
    const listing = await listed([entry('small.pdf', 10), entry('big.jpg', 5000), entry('mid.pdf', 100)]);
    listing.sortBy('size');
    expect(listing.rows.map((r) => r.name)).toEqual(['big.jpg', 'mid.pdf', 'small.pdf']);
    listing.sortBy('size');
    expect(listing.rows.map((r) => r.name)).toEqual(['small.pdf', 'mid.pdf', 'big.jpg']);
    listing.filter = '*.pdf';
    expect(listing.rows.map((r) => r.name)).toEqual(['small.pdf', 'mid.pdf']);
  });

  it('counts what the filter shows out of the whole folder in the status line', async () => {
    const listing = await listed([entry('a.pdf', 1000), entry('b.jpg', 5000), entry('c.pdf', 200)]);
    expect(listing.summary).toBe('3 objects, 6.2 KB');
    listing.filter = '*.pdf';
    expect(listing.summary).toBe('2 of 3 objects, 1.2 KB');
    listing.filter = 'nothing';
    expect(listing.summary).toBe('0 of 3 objects, 0 B');
    listing.filter = '   ';
    expect(listing.summary).toBe('3 objects, 6.2 KB');
  });

  it('counts the tenants the filter shows at the bucket’s root', async () => {
    const listing = await listed([], '', [dir('acme'), dir('globex'), dir('initech')]);
    listing.filter = 'glob';
    expect(listing.summary).toBe('1 of 3 tenants');
  });

  it('shows a renamed file in place and drops deleted ones', async () => {
    const [a, b] = [entry('a.pdf'), entry('b.pdf')];
    const listing = await listed([a, b]);
    listing.replace(a.key, { ...a, key: `${a.key}x`, name: 'z.pdf' });
    expect(listing.rows.map((r) => r.name)).toEqual(['b.pdf', 'z.pdf']);
    listing.remove(new Set([b.key]));
    expect(listing.files.map((f) => f.name)).toEqual(['z.pdf']);
  });
});

describe('Listing while storage cannot be reached', () => {
  const unreachable = () => new IpcFailure({ code: 'unreachable', message: 'cannot reach r2 (dns error): check your network' });

  afterEach(() => {
    vi.useRealTimers();
  });

  /** A listing of acme/documents/ done, then another folder opened; returns both. */
  async function thenOpening(target: string) {
    const { core, listings } = fakeCore();
    const listing = new Listing(core);
    const first = listing.open('acme/documents/');
    listings[0].page({ files: [entry('a.pdf'), entry('b.pdf')] });
    listings[0].finish();
    await first;
    const second = listing.open(target);
    return { listing, listings, second };
  }

  it('keeps the last folder on screen, in plain words, and retries on its own with longer waits', async () => {
    vi.useFakeTimers();
    const { listing, listings, second } = await thenOpening('acme/images/');
    expect(listing.rows).toEqual([]);
    listings[1].fail(unreachable());
    await second;
    expect(listing.prefix).toBe('acme/documents/');
    expect(listing.rows.map((r) => r.name)).toEqual(['a.pdf', 'b.pdf']);
    expect(listing.error).toBeNull();
    expect(listing.offline?.attempts).toBe(1);
    expect(listing.offline?.retrying).toBe(false);

    // The first retry after 2 s lists the folder shown, without blanking it.
    await vi.advanceTimersByTimeAsync(1999);
    expect(listings).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(listings).toHaveLength(3);
    expect(listings[2].prefix).toBe('acme/documents/');
    expect(listing.offline?.retrying).toBe(true);
    expect(listing.rows.map((r) => r.name)).toEqual(['a.pdf', 'b.pdf']);
    listings[2].fail(unreachable());
    await vi.advanceTimersByTimeAsync(0);
    expect(listing.offline?.attempts).toBe(2);

    // The second waits 4 s; when it answers, the fresh rows replace the old and the state clears.
    await vi.advanceTimersByTimeAsync(3999);
    expect(listings).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1);
    listings[3].page({ files: [entry('c.pdf')] });
    expect(listing.rows.map((r) => r.name)).toEqual(['c.pdf']);
    listings[3].finish();
    await vi.advanceTimersByTimeAsync(0);
    expect(listing.offline).toBeNull();
    expect(listing.reconnects).toBe(1);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(listings).toHaveLength(4);
  });

  it('shows nothing old when nothing was listed yet, and retries the folder asked for', async () => {
    vi.useFakeTimers();
    const { core, listings } = fakeCore();
    const listing = new Listing(core);
    const done = listing.open('acme/');
    listings[0].fail(unreachable());
    await done;
    expect(listing.prefix).toBe('acme/');
    expect(listing.rows).toEqual([]);
    expect(listing.offline).not.toBeNull();
    await vi.advanceTimersByTimeAsync(2000);
    expect(listings[1].prefix).toBe('acme/');
  });

  it('tries at once from the Retry button and drops the scheduled try', async () => {
    vi.useFakeTimers();
    const { listing, listings, second } = await thenOpening('acme/images/');
    listings[1].fail(unreachable());
    await second;
    const retried = listing.retry();
    expect(listings).toHaveLength(3);
    listings[2].finish();
    await retried;
    expect(listing.offline).toBeNull();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(listings).toHaveLength(3);
  });

  it('treats a refusal as an answer: the error shows and the offline state ends', async () => {
    vi.useFakeTimers();
    const { listing, listings, second } = await thenOpening('acme/images/');
    listings[1].fail(unreachable());
    await second;
    const retried = listing.retry();
    listings[2].fail(new IpcFailure({ code: 'access_denied', message: 'Access denied' }));
    await retried;
    expect(listing.offline).toBeNull();
    expect(listing.error).toBe('Access denied');
    expect(listing.rows).toEqual([]);
  });

  it('says when a folder is slow to show anything', async () => {
    vi.useFakeTimers();
    const { listing, listings } = await thenOpening('acme/images/');
    expect(listing.slow).toBe(false);
    await vi.advanceTimersByTimeAsync(SLOW_MS);
    expect(listing.slow).toBe(true);
    listings[1].page({ files: [entry('x.jpg', 1, 'acme/images/')] });
    expect(listing.slow).toBe(false);
  });

  it('keeps rows that arrived before the connection dropped', async () => {
    vi.useFakeTimers();
    const { listing, listings, second } = await thenOpening('acme/images/');
    listings[1].page({ files: [entry('x.jpg', 1, 'acme/images/')] });
    listings[1].fail(unreachable());
    await second;
    expect(listing.prefix).toBe('acme/images/');
    expect(listing.rows.map((r) => r.name)).toEqual(['x.jpg']);
    listing.dispose();
  });
});

describe('folderSummary', () => {
  it('counts tenants at the bucket’s root', () => {
    expect(folderSummary('', 1, [], false)).toBe('1 tenant');
    expect(folderSummary('', 3, [], false)).toBe('3 tenants');
  });

  it('counts the folders of a folder that holds no files, such as a tenant’s own', () => {
    expect(folderSummary('acme/', 3, [], false)).toBe('3 folders');
    expect(folderSummary('acme/documents/', 0, [], false)).toBe('0 objects, 0 B');
  });

  it('counts objects and their bytes in a folder, and says when it is still listing', () => {
    expect(folderSummary('acme/documents/', 0, [entry('a.pdf', 1200)], false)).toBe('1 object, 1.2 KB');
    expect(folderSummary('acme/documents/', 0, [entry('a.pdf', 1200), entry('b.pdf', 800)], true)).toBe('2 objects, 2.0 KB so far (listing…)');
  });

  it('says how many of how many are shown with a filter on, with the shown files’ bytes', () => {
    const files = Array.from({ length: 2000 }, (_, i) => entry(`scan-${i}.pdf`, 1000));
    expect(folderSummary('acme/documents/', 0, files, false, { folders: 0, files: files.slice(0, 12) })).toBe(
      `12 of ${(2000).toLocaleString()} objects, 12 KB`,
    );
    expect(folderSummary('acme/documents/', 0, files, true, { folders: 0, files: [] })).toBe(
      `0 of ${(2000).toLocaleString()} objects, 0 B so far (listing…)`,
    );
    expect(folderSummary('', 1, [], false, { folders: 1, files: [] })).toBe('1 of 1 tenant');
  });
});
