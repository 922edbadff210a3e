import { describe, expect, it, vi } from 'vitest';
import type { Prices, UsageReport } from '../ipc';
import type { Store } from '../browse/remember';
import { Usage, recallDownloadGb, type Core } from './report.svelte';

const prices: Prices = {
  source: 'list prices',
  as_of: '2025-06',
  currency: 'USD',
  r2_storage_gb_month: 0.015,
  r2_free_gb: 10,
  s3_storage_gb_month: 0.023,
  s3_egress_gb: 0.09,
  s3_egress_free_gb: 100,
};

const report = (bytes: number, generated_at = '2025-01-28T15:00:00Z'): UsageReport => ({
  generated_at,
  scope: null,
  objects: 3,
  bytes,
  tenants: [],
  months: [],
  largest: [],
  cost: { stored_gb: null, downloaded_gb: null, r2_storage: null, r2_egress: null, s3_storage: null, s3_egress: null, r2_total: null, s3_total: null, prices },
  seconds: 1.5,
});

function deferred<T>() {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((settle) => (resolve = settle));
  return { promise, resolve };
}

function fakeCore(over: Partial<Core> = {}): Core {
  return {
    cachedUsage: vi.fn(async () => report(20e9)),
    usageReport: vi.fn(async () => report(30e9, '2025-01-28T16:00:00Z')),
    getPrices: vi.fn(async () => prices),
    setPrices: vi.fn(async (p: Prices) => p),
    ...over,
  };
}

const memory = (): Store & { data: Map<string, string> } => {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v) };
};

describe('Usage', () => {
  it('shows the cached report at once and lists nothing', async () => {
    const core = fakeCore();
    const usage = new Usage(core);
    await usage.open();
    expect(usage.report?.bytes).toBe(20e9);
    expect(usage.loading).toBe(false);
    expect(core.usageReport).not.toHaveBeenCalled();
  });

  it('makes a report by itself when none was made before', async () => {
    const core = fakeCore({ cachedUsage: vi.fn(async () => null) });
    const usage = new Usage(core);
    await usage.open();
    expect(core.usageReport).toHaveBeenCalledWith(null, 0);
    expect(usage.report?.bytes).toBe(30e9);
  });

  it('keeps the figures on screen while a refresh lists the bucket', async () => {
    const fresh = deferred<UsageReport>();
    const usage = new Usage(fakeCore({ usageReport: vi.fn(() => fresh.promise) }));
    await usage.open();
    const done = usage.refresh();
    expect(usage.refreshing).toBe(true);
    expect(usage.report?.bytes).toBe(20e9);
    fresh.resolve(report(30e9));
    await done;
    expect(usage.refreshing).toBe(false);
    expect(usage.report?.bytes).toBe(30e9);
  });

  it('keeps the old report and says why when a refresh fails', async () => {
    const usage = new Usage(fakeCore({ usageReport: vi.fn(async () => Promise.reject(new Error('Access denied'))) }));
    await usage.open();
    await usage.refresh();
    expect(usage.error).toBe('Access denied');
    expect(usage.report?.bytes).toBe(20e9);
  });

  it('estimates the cost for the download volume typed, with the saved prices', async () => {
    const usage = new Usage(fakeCore());
    await usage.open();
    await vi.waitFor(() => expect(usage.prices).not.toBeNull());
    usage.setDownloadGb(300);
    expect(usage.estimate?.s3Egress).toBeCloseTo(200 * 0.09);
    await usage.savePrices({ ...prices, s3_egress_gb: 0.05 });
    expect(usage.estimate?.s3Egress).toBeCloseTo(200 * 0.05);
    expect(usage.estimate?.r2Total).toBeCloseTo(10 * 0.015);
  });

  it('remembers the download volume for next time', () => {
    const store = memory();
    new Usage(fakeCore(), store).setDownloadGb(250);
    expect(new Usage(fakeCore(), store).downloadGb).toBe(250);
    store.data.set('cubby.usage.download-gb', 'lots');
    expect(recallDownloadGb(store)).toBe(0);
    expect(recallDownloadGb(null)).toBe(0);
  });

  it('throws the core’s refusal of a price table and keeps the prices it had', async () => {
    const refusal = new Error('the S3 egress price must be a number of 0 or more, not -1');
    const usage = new Usage(fakeCore({ setPrices: vi.fn(async () => Promise.reject(refusal)) }));
    await usage.open();
    await vi.waitFor(() => expect(usage.prices).not.toBeNull());
    await expect(usage.savePrices({ ...prices, s3_egress_gb: -1 })).rejects.toBe(refusal);
    expect(usage.prices?.s3_egress_gb).toBe(0.09);
  });
});
