// Watched folders as the window sees them: the folder list with counts (refreshed while the
// engine reports activity and every few seconds), the engine's live per-file events, most
// recent first, bounded so a busy folder never grows the window's memory, and whether the
// whole engine is paused (from the tray or Pause all).

import * as ipc from '../ipc';
import type { SyncUpdate, WatchedFolderRow } from '../ipc';

export const MAX_EVENTS = 200;

export type FileActivity = {
  id: number;
  folder: string;
  path: string;
  state: string;
  key: string | null;
  message: string | null;
  at: number;
};

/** Adds a file event on top, replacing that file's older line, keeping at most `max`. */
export function pushActivity(list: FileActivity[], item: FileActivity, max = MAX_EVENTS): FileActivity[] {
  const rest = list.filter((a) => !(a.folder === item.folder && a.path === item.path));
  return [item, ...rest].slice(0, max);
}

/** What a folder of client folders reads as where a tenant's name would stand. */
export const CLIENT_FOLDERS = 'Client folders';

/**
 * Where a folder's files go, as the sidebar and the Sync view say it: its tenant, or "Client
 * folders" when each first-level subfolder is a tenant (the core's `tenant` then reads "one
 * tenant per subfolder", which is no tenant's name).
 */
export function folderDestination(folder: Pick<WatchedFolderRow, 'tenant' | 'per_subfolder'>): string {
  return folder.per_subfolder ? CLIENT_FOLDERS : folder.tenant;
}

/** "● Receipts → acme": the dot's tone for a folder. */
export function folderTone(folder: WatchedFolderRow, stopped: boolean, enginePaused = false): 'paused' | 'error' | 'busy' | 'ok' {
  if (folder.paused || enginePaused) return 'paused';
  if (stopped || folder.failed > 0) return 'error';
  if (toUpload(folder) > 0) return 'busy';
  return 'ok';
}

/**
 * Files a folder has yet to upload: still being written, queued, or on their way. The one number
 * the sidebar shows for a folder; "queued" is its word everywhere, rows and counters alike.
 */
export function toUpload(folder: WatchedFolderRow): number {
  return folder.waiting + folder.queued + folder.uploading;
}

/** The sidebar row's tooltip: where it goes, whether it holds, and every count. */
export function folderTooltip(folder: WatchedFolderRow, stopped: boolean, enginePaused = false): string {
  const left = toUpload(folder);
  const state = folder.paused || enginePaused ? 'Paused' : stopped ? 'Stopped' : left === 0 && folder.failed === 0 ? 'Up to date' : null;
  const parts = [
    state,
    left > 0 ? `${left} queued` : null,
    `${folder.uploaded} uploaded`,
    folder.failed > 0 ? `${folder.failed} failed` : null,
  ];
  const to = folder.per_subfolder ? `${CLIENT_FOLDERS.toLowerCase()}: each subfolder is a tenant` : folder.tenant;
  return `${folder.path} → ${to}\n${parts.filter(Boolean).join(' · ')}`;
}

export type SyncTone = 'ok' | 'busy' | 'paused' | 'error';

/** The status bar's sync part: "Sync: 3 queued", "Sync paused", "Sync up to date"; null with nothing watched. */
export function syncLine(folders: readonly WatchedFolderRow[], enginePaused: boolean, stopped = false): { text: string; tone: SyncTone } | null {
  if (folders.length === 0) return null;
  if (enginePaused || folders.every((f) => f.paused)) return { text: 'Sync paused', tone: 'paused' };
  const active = folders.filter((f) => !f.paused);
  const sum = (count: (f: WatchedFolderRow) => number) => active.reduce((total, f) => total + count(f), 0);
  const [uploading, queued, failed] = [sum((f) => f.uploading), sum((f) => f.waiting + f.queued), sum((f) => f.failed)];
  const failures = failed > 0 ? `${failed} failed` : null;
  if (uploading + queued > 0) {
    const parts = [uploading > 0 ? `uploading ${uploading}` : null, queued > 0 ? `${queued} queued` : null, failures];
    return { text: `Sync: ${parts.filter(Boolean).join(' · ')}`, tone: failed > 0 ? 'error' : 'busy' };
  }
  if (failures) return { text: `Sync: ${failures}`, tone: 'error' };
  if (stopped) return { text: 'Sync stopped', tone: 'error' };
  return { text: 'Sync up to date', tone: 'ok' };
}

export class Sync {
  folders = $state.raw<WatchedFolderRow[]>([]);
  activity = $state.raw<FileActivity[]>([]);
  /** Folder path → why it stopped; "" holds engine-wide problems. */
  stopped = $state<Record<string, string>>({});
  error = $state<string | null>(null);
  /** Every folder is held, whatever its own flag says: the engine reported "paused". */
  enginePaused = $state(false);
  #next = 1;
  // Set once the engine itself said paused or watching, which is newer than any start-up answer.
  #engineHeard = false;
  #timer: ReturnType<typeof setInterval> | undefined;
  #pending: ReturnType<typeof setTimeout> | undefined;

  async start(): Promise<void> {
    try {
      await ipc.watchEvents((update) => this.#onEvent(update));
    } catch (failure) {
      this.error = ipc.errorMessage(failure);
    }
    // Asked after subscribing, so a pause from the tray in between is not lost.
    try {
      const paused = await ipc.syncPaused();
      if (!this.#engineHeard) this.enginePaused = paused;
    } catch {
      // An older core without the command: nothing is paused app-wide.
    }
    await this.refresh();
    this.#timer = setInterval(() => void this.refresh(), 3000);
  }

  stop(): void {
    clearInterval(this.#timer);
    clearTimeout(this.#pending);
  }

  /** Pauses or resumes every watched folder; throws what the core said. */
  async setPaused(paused: boolean): Promise<void> {
    await ipc.setSyncPaused(paused);
    this.enginePaused = paused;
    if (!paused) this.clearStopped();
    await this.refresh();
  }

  async refresh(): Promise<void> {
    try {
      this.folders = await ipc.watchedFolders();
      this.error = null;
    } catch (failure) {
      this.error = ipc.errorMessage(failure);
    }
  }

  #onEvent(update: SyncUpdate) {
    if (update.event === 'file') {
      this.activity = pushActivity(this.activity, {
        id: this.#next++,
        folder: update.folder,
        path: update.path,
        state: update.state,
        key: update.key ?? null,
        message: update.message ?? null,
        at: Date.now(),
      });
      // Counts follow the events, at most a few times a second.
      if (this.#pending === undefined) {
        this.#pending = setTimeout(() => {
          this.#pending = undefined;
          void this.refresh();
        }, 300);
      }
    } else if (update.event === 'engine') {
      // The whole engine: paused from the tray, watching again, or stopped with a reason.
      this.#engineHeard = true;
      this.enginePaused = update.status === 'paused';
      if (update.status === 'stopped') {
        this.stopped[''] = update.message ?? 'stopped';
      } else {
        delete this.stopped[''];
      }
    } else if (update.status === 'stopped') {
      this.stopped[update.folder] = update.message ?? 'stopped';
    } else {
      delete this.stopped[update.folder];
      delete this.stopped[''];
    }
  }

  /** Forgets stale "stopped" notes after the engine restarts. */
  clearStopped(): void {
    this.stopped = {};
  }
}
