// One folder's listing as the file table shows it: where the browser is, the folders and files
// streamed in from the core (a newer listing discards an older one's late pages), and the rows
// they make through the filter box and the sort order. Edits the window made (rename, delete,
// move) replace entries here without listing again. When storage cannot be reached, the last
// folder listed stays on screen and the listing tries again on its own, waiting longer each time
// (./offline.ts has the rules). Which rows are selected lives in ./row-selection.svelte.ts; the
// sidebar's tree is the Sidebar's own.

import { tick } from 'svelte';
import * as ipc from '../ipc';
import type { FileEntry, FolderEntry, ListPage } from '../ipc';
import { formatBytes } from '../format/bytes';
import { tenantOf } from './location';
import { failedAgain, isUnreachable, retrying, type Offline } from './offline';
import { matchesFilter, mergeSorted, sortRows, toggleSort, type Row, type SortColumn, type SortOrder } from './rows';

/** The part of the IPC surface a listing uses, so tests can hand in a fake. */
export type Core = Pick<typeof ipc, 'listFolder' | 'reportStartup'>;

const toRows = (fs: readonly FolderEntry[], fl: readonly FileEntry[]): Row[] => [
  ...fs.map((f) => ({ kind: 'folder' as const, ...f })),
  ...fl.map((f) => ({ kind: 'file' as const, ...f })),
];

/** "2,000 objects", or, when a filter shows some of them, "12 of 2,000 objects". */
function counted(total: number, noun: string, shown?: number): string {
  const of = shown === undefined ? '' : `${shown.toLocaleString()} of `;
  return `${of}${total.toLocaleString()} ${noun}${total === 1 ? '' : 's'}`;
}

/** Runs `apply` before the next paint. */
export type Frame = (apply: () => void) => void;

/** The window's frames; where there are none (tests, a hidden document), at once. */
const nextFrame: Frame = (apply) => {
  if (typeof requestAnimationFrame === 'function') requestAnimationFrame(() => apply());
  else apply();
};

/** How long a folder may take to show its first rows before the window says it is still waiting. */
export const SLOW_MS = 3000;

/** Options of Listing.open. */
export type OpenOptions = {
  /** Report when the first rows were on screen (the first listing after start). */
  timeStartup?: boolean;
  /** List the same folder again without blanking it: the rows shown stay until fresh ones arrive. */
  keep?: boolean;
};

type Snapshot = { prefix: string; folders: FolderEntry[]; files: FileEntry[] };

/** What the filter box lets through: the tenants or folders and the files among the rows. */
export type Shown = { folders: number; files: readonly FileEntry[] };

/**
 * "12 objects, 1.2 MB"; at the bucket's root, where only tenants are listed, "3 tenants"; a
 * folder that holds folders and no files, such as a tenant's own, "3 folders". With a filter on
 * (`shown`), the count says what the table shows: "12 of 2,000 objects, 14 KB", the bytes being
 * those of the 12.
 */
export function folderSummary(prefix: string, folders: number, files: readonly FileEntry[], loading: boolean, shown: Shown | null = null): string {
  const bytes = (shown?.files ?? files).reduce((sum, f) => sum + f.size, 0);
  const what =
    prefix === ''
      ? counted(folders, 'tenant', shown?.folders)
      : files.length === 0 && folders > 0
        ? counted(folders, 'folder', shown?.folders)
        : `${counted(files.length, 'object', shown?.files.length)}, ${formatBytes(bytes)}`;
  return loading ? `${what} so far (listing…)` : what;
}

export class Listing {
  /** "" is the bucket, "acme/" a tenant, "acme/documents/" a folder. */
  prefix = $state('');
  folders = $state.raw<FolderEntry[]>([]);
  files = $state.raw<FileEntry[]>([]);
  loading = $state(false);
  error = $state<string | null>(null);
  filter = $state('');
  sort = $state<SortOrder>({ column: 'name', descending: false });
  /** Storage did not answer the last listing; null once one succeeds or storage refuses one. */
  offline = $state.raw<Offline | null>(null);
  /** The folder being opened has shown nothing for SLOW_MS. */
  slow = $state(false);
  /** Counts the times storage came back after being offline, so the window can refresh the rest. */
  reconnects = $state(0);
  readonly #core: Core;
  readonly #frame: Frame;
  #generation = 0;
  // The last folder listed in full (with the window's edits): what stays on screen while offline.
  #last: Snapshot | null = null;
  #complete = false;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #slowTimer: ReturnType<typeof setTimeout> | undefined;
  // What `rows` was last computed from: while a listing streams in, `files` only grows (each page
  // is concatenated), so the new page is sorted and merged instead of sorting every row again.
  #shown: { folders: FolderEntry[]; files: FileEntry[]; filter: string; sort: SortOrder; rows: Row[] } | null = null;

  rows = $derived.by(() => {
    const [folders, files, filter, sort] = [this.folders, this.files, this.filter, this.sort];
    const last = this.#shown;
    const grew =
      last !== null &&
      last.folders === folders &&
      last.filter === filter &&
      last.sort === sort &&
      last.files.length > 0 &&
      files.length > last.files.length &&
      // Elsewhere `files` is replaced by a new array (rename, delete, move), never grown in place.
      files[last.files.length - 1] === last.files[last.files.length - 1];
    const next = grew
      ? mergeSorted(last.rows, toRows([], files.slice(last.files.length)).filter((r) => matchesFilter(r, filter)), sort)
      : sortRows(toRows(folders, files).filter((r) => matchesFilter(r, filter)), sort);
    this.#shown = { folders, files, filter, sort, rows: next };
    return next;
  });

  constructor(core: Core = ipc, frame: Frame = nextFrame) {
    this.#core = core;
    this.#frame = frame;
  }

  /** The tenant the listing lies in; null at the bucket's root. */
  get tenant(): string | null {
    return tenantOf(this.prefix);
  }

  /** The status bar's line for this folder; with a filter on, it counts the rows shown. */
  get summary(): string {
    const shown: Shown | null =
      this.filter.trim() === ''
        ? null
        : {
            folders: this.rows.filter((r) => r.kind === 'folder').length,
            files: this.rows.flatMap((r) => (r.kind === 'file' ? [r] : [])),
          };
    return folderSummary(this.prefix, this.folders.length, this.files, this.loading, shown);
  }

  /**
   * Lists `target`, streaming pages into the rows; a newer listing discards older pages. When
   * storage cannot be reached, what was on screen stays and the listing retries by itself.
   */
  async open(target: string, options: OpenOptions = {}): Promise<void> {
    const mine = ++this.#generation;
    const asked = performance.now();
    let timed = !options.timeStartup;
    const rowsShown = async () => {
      if (timed) return;
      timed = true;
      await tick();
      // The rows are in the DOM; the next frame is when they are painted.
      requestAnimationFrame(() => {
        const now = performance.now();
        void this.#core.reportStartup(now, now - asked, this.folders.length + this.files.length);
      });
    };
    if (this.#complete) this.#last = { prefix: this.prefix, folders: this.folders, files: this.files };
    this.#complete = false;
    clearTimeout(this.#retryTimer);
    if (this.offline) this.offline = retrying(this.offline);
    // With `keep`, the old rows give way to the first page, not before.
    let fresh = !(options.keep && target === this.prefix);
    const begin = () => {
      if (fresh) return;
      fresh = true;
      this.folders = [];
      this.files = [];
    };
    this.prefix = target;
    if (fresh) {
      this.folders = [];
      this.files = [];
      this.filter = '';
    }
    this.error = null;
    this.loading = true;
    this.#watchSlow(mine);
    // The first rows go on screen at once; pages after them are taken a frame at a time. A
    // 100,000-object folder sends a page every 15 ms or so, and taking each as it came held
    // the first rows' paint back by about 270 ms.
    let queued: ListPage[] = [];
    let waiting = false;
    const take = () => {
      waiting = false;
      if (mine !== this.#generation || queued.length === 0) return;
      const pages = queued;
      queued = [];
      const folders = pages.flatMap((p) => p.folders);
      const files = pages.flatMap((p) => p.files);
      if (folders.length > 0) this.folders = [...this.folders, ...folders];
      if (files.length > 0) this.files = this.files.concat(files);
      if (this.folders.length + this.files.length > 0) {
        this.slow = false;
        void rowsShown();
      }
    };
    try {
      await this.#core.listFolder(target, (page) => {
        if (mine !== this.#generation) return;
        begin();
        queued.push(page);
        if (this.folders.length + this.files.length === 0) take();
        else if (!waiting) {
          waiting = true;
          this.#frame(take);
        }
      });
      if (mine !== this.#generation) return;
      take();
      begin();
      this.#complete = true;
      if (this.offline) {
        this.offline = null;
        this.reconnects += 1;
      }
    } catch (failure) {
      if (mine !== this.#generation) return;
      // What arrived before the failure stays.
      take();
      if (isUnreachable(failure)) this.#wentOffline(fresh);
      else {
        begin();
        this.error = ipc.errorMessage(failure);
        // Storage answered, so it can be reached: the refusal is about this folder.
        this.offline = null;
      }
    } finally {
      if (mine === this.#generation) {
        this.loading = false;
        this.slow = false;
        clearTimeout(this.#slowTimer);
      }
      // An empty or failed folder: the window is interactive all the same.
      void rowsShown();
    }
  }

  /** Lists the folder shown again, keeping its rows until the fresh ones arrive. */
  retry(): Promise<void> {
    return this.open(this.prefix, { keep: true });
  }

  /** Stops the timers; the window is going away. */
  dispose(): void {
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#slowTimer);
  }

  #watchSlow(mine: number): void {
    clearTimeout(this.#slowTimer);
    this.slow = false;
    this.#slowTimer = setTimeout(() => {
      if (mine === this.#generation && this.loading && this.folders.length + this.files.length === 0) this.slow = true;
    }, SLOW_MS);
  }

  /**
   * Storage did not answer. Rows that arrived before stay; if none did (`fresh`: nothing was kept
   * either), the last folder listed comes back, so the window never goes blank for a network blip.
   */
  #wentOffline(fresh: boolean): void {
    const nothingShown = this.folders.length + this.files.length === 0;
    if (fresh && nothingShown && this.#last !== null) {
      ({ prefix: this.prefix, folders: this.folders, files: this.files } = this.#last);
      this.#complete = true;
    }
    const now = Date.now();
    this.offline = failedAgain(this.offline, now);
    this.#retryTimer = setTimeout(() => void this.retry(), this.offline.retryAt - now);
  }

  /** A click on a column header: sort by it, or flip the order when it already sorts. */
  sortBy(column: SortColumn): void {
    this.sort = toggleSort(this.sort, column);
  }

  /** Puts `entry` where the file with key `key` was (a rename). */
  replace(key: string, entry: FileEntry): void {
    this.files = this.files.map((f) => (f.key === key ? entry : f));
  }

  /** Drops files that were deleted or moved away. */
  remove(keys: ReadonlySet<string>): void {
    this.files = this.files.filter((f) => !keys.has(f.key));
  }
}
