// The Usage view's state: the report shown (the cached one at once, then a fresh one), the
// price table, and the monthly download volume the cost estimate is for. A refresh lists the
// whole bucket in the core (seconds on 100,000 objects), and the figures already on screen stay
// until the new ones arrive. The download volume is this window's preference, kept in its
// localStorage like the places in ../browse/remember.

import * as ipc from '../ipc';
import type { Prices, UsageReport } from '../ipc';
import { plainError } from '../browse/offline';
import type { Store } from '../browse/remember';
import { estimate, type Estimate } from './cost';

/** The part of the IPC surface the view uses, so tests can hand in a fake. */
export type Core = Pick<typeof ipc, 'cachedUsage' | 'usageReport' | 'getPrices' | 'setPrices'>;

const DOWNLOAD_KEY = 'cubby.usage.download-gb';

/** The download volume kept from last time; 0 when none (or nothing usable) was kept. */
export function recallDownloadGb(store: Store | null): number {
  const value = Number(store?.getItem(DOWNLOAD_KEY) ?? '0');
  return Number.isFinite(value) && value >= 0 ? value : 0;
}

export class Usage {
  /** The report on screen; null until the cached one (or, without one, the first) arrives. */
  report = $state.raw<UsageReport | null>(null);
  /** The price table, once read; the report's own copy stands in until then. */
  prices = $state.raw<Prices | null>(null);
  /** The cached report is being read. */
  loading = $state(true);
  /** The bucket is being listed for a fresh report. */
  refreshing = $state(false);
  error = $state<string | null>(null);
  /** GB downloaded a month, for S3's egress. */
  downloadGb = $state(0);
  readonly #core: Core;
  readonly #store: Store | null;
  #generation = 0;

  /** What the bucket costs a month for the report and the download volume typed. */
  estimate = $derived.by((): Estimate | null => {
    const prices = this.prices ?? this.report?.cost.prices ?? null;
    return this.report && prices ? estimate(this.report.bytes, this.downloadGb, prices) : null;
  });

  constructor(core: Core = ipc, store: Store | null = null) {
    this.#core = core;
    this.#store = store;
    this.downloadGb = recallDownloadGb(store);
  }

  /** The view opened: the last report at once, a fresh one when there is none. */
  async open(): Promise<void> {
    this.loading = true;
    this.error = null;
    void this.#core.getPrices().then(
      (prices) => (this.prices = prices),
      () => undefined,
    );
    try {
      const cached = await this.#core.cachedUsage(null, this.downloadGb);
      if (cached && this.report === null) this.report = cached;
    } catch (failure) {
      this.error = plainError(failure);
    } finally {
      this.loading = false;
    }
    if (this.report === null && this.error === null) await this.refresh();
  }

  /** Lists the bucket again; the report shown stays until the new one is in. */
  async refresh(): Promise<void> {
    if (this.refreshing) return;
    const mine = ++this.#generation;
    this.refreshing = true;
    this.error = null;
    try {
      const fresh = await this.#core.usageReport(null, this.downloadGb);
      if (mine === this.#generation) this.report = fresh;
    } catch (failure) {
      if (mine === this.#generation) this.error = plainError(failure);
    } finally {
      if (mine === this.#generation) this.refreshing = false;
    }
  }

  /** The download volume typed; kept for next time. */
  setDownloadGb(value: number): void {
    this.downloadGb = Math.max(0, value);
    try {
      this.#store?.setItem(DOWNLOAD_KEY, String(this.downloadGb));
    } catch {
      // A full or unavailable store only means the number is not remembered.
    }
  }

  /** Saves an edited price table; throws the core's refusal for the dialog to show. */
  async savePrices(prices: Prices): Promise<void> {
    this.prices = await this.#core.setPrices(prices);
  }

  /** The view is going away: a report still being made is not shown. */
  dispose(): void {
    this.#generation += 1;
  }
}
