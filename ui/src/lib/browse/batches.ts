// Starts upload and download batches through the core, feeding their events to the transfers
// drawer, and remembers how each batch ran so its failed items can run again. Each run ends in
// one line for the person: a toast when everything went, an error to keep on screen otherwise.
// Where that line goes, and what to list again afterwards, is the window's business; so is how
// the question about files already in a download's folder is shown (`ask`, see ./clashes).

import * as ipc from '../ipc';
import type { BatchSummary, Clash } from '../ipc';
import { clashQuestion, nothingLeftLine, planDownload, type AskClash } from './clashes';
import type { Transfers } from './transfers.svelte';

/** The part of the IPC surface batches use, so tests can hand in a fake. */
export type Core = Pick<typeof ipc, 'uploadFiles' | 'downloadObjects' | 'downloadClashes' | 'pickFolder'>;

/** How a batch ran, which is how its failed items run again. */
export type Run = { kind: 'upload'; tenant: string; category: string } | { kind: 'download'; dir: string; replace: boolean };

export type Outcome = { toast: string } | { error: string };

const files = (n: number) => `${n} file${n === 1 ? '' : 's'}`;
const failedLine = (s: BatchSummary, what: string) => `${s.failed.length} ${what}${s.failed.length === 1 ? '' : 's'} failed: ${s.failed[0].message}`;

export class Batches {
  readonly #transfers: Transfers;
  readonly #ask: AskClash;
  readonly #core: Core;
  readonly #runs = new Map<number, Run>();

  constructor(transfers: Transfers, ask: AskClash, core: Core = ipc) {
    this.#transfers = transfers;
    this.#ask = ask;
    this.#core = core;
  }

  async upload(paths: string[], tenant: string, category: string): Promise<Outcome> {
    return this.#run({ kind: 'upload', tenant, category }, paths, (s) =>
      s.failed.length > 0 ? { error: failedLine(s, 'upload') } : { toast: `Uploaded ${files(s.done)} to ${tenant}` },
    );
  }

  /**
   * Asks where to (the native folder picker) and, when files of the same names are there, what
   * to do about them, once for the batch; then downloads. Null when either question was cancelled.
   */
  async download(keys: string[]): Promise<Outcome | null> {
    if (keys.length === 0) return null;
    let dir: string | null;
    let clashes: Clash[];
    try {
      dir = await this.#core.pickFolder();
      if (dir === null) return null;
      clashes = await this.#core.downloadClashes(keys, dir);
    } catch (failure) {
      return { error: ipc.errorMessage(failure) };
    }
    const question = clashQuestion(dir, clashes);
    const choice = question === null ? null : await this.#ask(question);
    if (question !== null && choice === null) return null;
    const plan = planDownload(keys, clashes, choice);
    if (question !== null && plan.keys.length === 0) return { toast: nothingLeftLine(question) };
    const skipped = keys.length - plan.keys.length;
    const to = dir;
    return this.#run({ kind: 'download', dir: to, replace: plan.replace }, plan.keys, (s) =>
      s.failed.length > 0
        ? { error: failedLine(s, 'download') }
        : { toast: `Downloaded ${files(s.done)} to ${to}${skipped > 0 ? ` · skipped ${skipped} already there` : ''}` },
    );
  }

  /**
   * Runs a finished batch's failed items again as a new batch: uploads get new keys, downloads
   * resume. Null when there is nothing to run again; otherwise how it ran, and how it went.
   */
  async retry(batch: number): Promise<{ run: Run; outcome: Outcome } | null> {
    const run = this.#runs.get(batch);
    const failed = this.#transfers.takeFailed(batch);
    if (run === undefined || failed.length === 0) return null;
    const items = failed.map((i) => (run.kind === 'upload' ? i.local : i.key));
    const outcome = await this.#run(run, items, (s) =>
      s.failed.length > 0 ? { error: `${s.failed.length} still failed: ${s.failed[0].message}` } : { toast: `Retried ${files(s.done)}` },
    );
    return { run, outcome };
  }

  /** `items` are local paths for uploads, keys for downloads. */
  async #run(run: Run, items: string[], said: (summary: BatchSummary) => Outcome): Promise<Outcome> {
    try {
      const summary =
        run.kind === 'upload'
          ? await this.#core.uploadFiles(items, run.tenant, run.category, (u) => this.#transfers.apply(u))
          : await this.#core.downloadObjects(items, run.dir, run.replace, (u) => this.#transfers.apply(u));
      this.#transfers.finish(summary);
      this.#runs.set(summary.batch, run);
      return said(summary);
    } catch (failure) {
      return { error: ipc.errorMessage(failure) };
    }
  }
}
