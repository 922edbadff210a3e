// The transfers drawer's model: batches (one per drop, pick or download) and their files,
// fed by the core's channel events and closed by the command's summary. The drawer reads the
// totals and their one-line wording; nothing here talks to IPC.

import type { BatchSummary, TransferDirection, TransferUpdate } from '../ipc';
import { formatBytes } from '../format/bytes';

export type ItemState = 'queued' | 'running' | 'done' | 'failed';

export type TransferItem = {
  key: string;
  local: string;
  total: number;
  done: number;
  state: ItemState;
  message: string | null;
  /** What the core said about a finished transfer (a download it could not verify, a file already there). */
  note: string | null;
  bytesPerSec: number;
  etaSecs: number | null;
};

export type Batch = {
  batch: number;
  direction: TransferDirection;
  items: TransferItem[];
  finished: boolean;
  cancelled: boolean;
};

export type Totals = {
  active: number;
  done: number;
  total: number;
  bytesPerSec: number;
  etaSecs: number | null;
  failed: number;
  /** Finished items that came with a note. */
  noted: number;
};

export class Transfers {
  batches = $state<Batch[]>([]);

  #item(update: { batch: number; key: string }): TransferItem | undefined {
    return this.batches.find((b) => b.batch === update.batch)?.items.find((i) => i.key === update.key);
  }

  #byId = new Map<string, string>();

  apply(update: TransferUpdate): void {
    switch (update.event) {
      case 'queued':
        this.batches.push({
          batch: update.batch,
          direction: update.direction,
          finished: false,
          cancelled: false,
          items: update.items.map((i) => ({
            key: i.key,
            local: i.local,
            total: i.size ?? 0,
            done: 0,
            state: 'queued',
            message: null,
            note: null,
            bytesPerSec: 0,
            etaSecs: null,
          })),
        });
        break;
      case 'started': {
        this.#byId.set(`${update.batch}:${update.id}`, update.key);
        const item = this.#item(update);
        if (item) {
          item.state = 'running';
          item.total = update.total ?? item.total;
          item.local = update.local;
        }
        break;
      }
      case 'progress': {
        const key = this.#byId.get(`${update.batch}:${update.id}`);
        const item = key === undefined ? undefined : this.#item({ batch: update.batch, key });
        if (item) {
          item.done = update.done ?? item.done;
          item.total = update.total ?? item.total;
          item.bytesPerSec = update.bytes_per_sec ?? 0;
          item.etaSecs = update.eta_secs;
        }
        break;
      }
      case 'finished': {
        const item = this.#item(update);
        if (item) {
          item.state = 'done';
          item.done = update.size ?? item.total;
          item.total = Math.max(item.total, item.done);
          item.note = update.note;
          item.bytesPerSec = 0;
          item.etaSecs = null;
        }
        break;
      }
      case 'failed': {
        const item = this.#item(update);
        if (item) {
          item.state = 'failed';
          item.message = update.message;
          item.bytesPerSec = 0;
          item.etaSecs = null;
        }
        break;
      }
    }
  }

  /** The command returned: whatever did not report finishing failed or was cancelled. */
  finish(summary: BatchSummary): void {
    const batch = this.batches.find((b) => b.batch === summary.batch);
    if (!batch) return;
    batch.finished = true;
    batch.cancelled = summary.cancelled;
    for (const item of batch.items) {
      if (item.state === 'queued' || item.state === 'running') {
        item.state = 'failed';
        item.message ??= summary.cancelled ? 'Cancelled' : 'Did not finish';
      }
    }
  }

  /** Removes a finished batch's failed items and returns them, to be run again as a new batch. */
  takeFailed(batchId: number): TransferItem[] {
    const batch = this.batches.find((b) => b.batch === batchId);
    if (!batch?.finished) return [];
    const failed = batch.items.filter((i) => i.state === 'failed');
    batch.items = batch.items.filter((i) => i.state !== 'failed');
    if (batch.items.length === 0) this.batches = this.batches.filter((b) => b !== batch);
    return failed;
  }

  clearFinished(): void {
    this.batches = this.batches.filter((b) => !b.finished);
  }

  get totals(): Totals {
    const t: Totals = { active: 0, done: 0, total: 0, bytesPerSec: 0, etaSecs: null, failed: 0, noted: 0 };
    for (const batch of this.batches) {
      for (const item of batch.items) {
        if (item.state === 'failed') t.failed += 1;
        if (item.note !== null) t.noted += 1;
        if (batch.finished) continue;
        if (item.state === 'queued' || item.state === 'running') t.active += 1;
        t.done += item.done;
        t.total += item.total;
        t.bytesPerSec += item.bytesPerSec;
      }
    }
    if (t.active > 0 && t.bytesPerSec > 0) t.etaSecs = Math.max(0, (t.total - t.done) / t.bytesPerSec);
    return t;
  }

  get busy(): boolean {
    return this.batches.some((b) => !b.finished);
  }
}

/** "12 s left", "3 min left", "1 h 5 min left". */
export function formatEta(secs: number | null): string {
  if (secs === null || !Number.isFinite(secs)) return '';
  const s = Math.ceil(secs);
  if (s < 60) return `${s} s left`;
  if (s < 3600) return `${Math.ceil(s / 60)} min left`;
  const h = Math.floor(s / 3600);
  const m = Math.round((s % 3600) / 60);
  return m === 0 ? `${h} h left` : `${h} h ${m} min left`;
}

/** How much of the active bytes has arrived, 0–100, rounded down so 100 means done. */
export function percentDone(totals: Pick<Totals, 'done' | 'total'>): number {
  return totals.total > 0 ? Math.floor((totals.done / totals.total) * 100) : 0;
}

/**
 * The drawer's progress line: "63% · 4.1 MB/s · 12 s left". A rate the core has not measured yet
 * (or that rounds to nothing) and an unknown time left are left out with their "·", rather than
 * shown as "0 B/s" or a dangling separator.
 */
export function formatProgress(totals: Pick<Totals, 'done' | 'total' | 'bytesPerSec' | 'etaSecs'>): string {
  const rate = Number.isFinite(totals.bytesPerSec) && totals.bytesPerSec >= 1 ? `${formatBytes(totals.bytesPerSec)}/s` : '';
  return [`${percentDone(totals)}%`, rate, formatEta(totals.etaSecs)].filter((part) => part !== '').join(' · ');
}
