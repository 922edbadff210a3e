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

/** "● Receipts → acme": the dot's tone for a folder. */
export function folderTone(folder: WatchedFolderRow, stopped: boolean, enginePaused = false): 'paused' | 'error' | 'busy' | 'ok' {
  if (folder.paused || enginePaused) return 'paused';
  if (stopped || folder.failed > 0) return 'error';
  if (folder.waiting + folder.queued + folder.uploading > 0) return 'busy';
  return 'ok';
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
    } else if (update.status === 'stopped') {
      this.stopped[update.folder] = update.message ?? 'stopped';
    } else {
      // An empty folder speaks for the whole engine: "paused", or "watching" again.
      if (update.folder === '') {
        this.#engineHeard = true;
        this.enginePaused = update.status === 'paused';
      }
      delete this.stopped[update.folder];
      delete this.stopped[''];
    }
  }

  /** Forgets stale "stopped" notes after the engine restarts. */
  clearStopped(): void {
    this.stopped = {};
  }
}
