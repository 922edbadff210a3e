import { describe, expect, it } from 'vitest';
import type { Prices } from '../ipc';
import { cheaper, estimate, formatMoney, parseAmount } from './cost';

// The core's defaults (crates/core/src/usage.rs, Prices::default).
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
const GB = 1_000_000_000;

describe('estimate', () => {
  // The same figures as the core's `cost`, so the window and `cubby usage` never disagree.
  it('charges R2 storage beyond the free 10 GB and no egress; S3 all storage and egress beyond 100 GB', () => {
    const e = estimate(110 * GB, 300, prices);
    expect(e.storedGb).toBe(110);
    expect(e.r2Storage).toBeCloseTo(100 * 0.015);
    expect(e.r2Total).toBeCloseTo(1.5);
    expect(e.s3Storage).toBeCloseTo(110 * 0.023);
    expect(e.s3Egress).toBeCloseTo(200 * 0.09);
    expect(e.s3Total).toBeCloseTo(2.53 + 18);
  });

  it('costs nothing on R2 within the free storage, and no S3 egress within its allowance', () => {
    const e = estimate(4 * GB, 50, prices);
    expect(e.r2Total).toBe(0);
    expect(e.s3Egress).toBe(0);
    expect(e.s3Total).toBeCloseTo(4 * 0.023);
  });

  it('counts GB as 10^9 bytes and a negative or unreadable download volume as none', () => {
    expect(estimate(1_500_000_000, -3, prices).storedGb).toBe(1.5);
    expect(estimate(0, Number.NaN, prices).downloadedGb).toBe(0);
  });

  it('takes a figure the core sent as null for nothing', () => {
    const e = estimate(20 * GB, 0, { ...prices, r2_free_gb: null });
    expect(e.r2Total).toBeCloseTo(20 * 0.015);
  });
});

describe('cheaper', () => {
  it('names the cheaper store and the difference, or neither when they cost the same', () => {
    expect(cheaper(estimate(110 * GB, 300, prices))).toEqual({ store: 'R2', by: expect.closeTo(19.03, 5) });
    expect(cheaper(estimate(0, 0, prices))).toEqual({ store: null, by: 0 });
    expect(cheaper(estimate(20 * GB, 0, { ...prices, r2_storage_gb_month: 1 })).store).toBe('S3');
  });
});

describe('formatMoney', () => {
  it('writes cents with the currency’s sign, and says when a cost is below a cent', () => {
    expect(formatMoney(1234.5, 'USD')).toBe('$1,234.50');
    expect(formatMoney(0, 'USD')).toBe('$0.00');
    expect(formatMoney(0.001, 'USD')).toBe('< $0.01');
    expect(formatMoney(3, 'EUR')).toBe('€3.00');
  });

  it('puts an unknown currency’s code after the figure', () => {
    expect(formatMoney(2, 'credits')).toBe('2.00 credits');
    expect(formatMoney(Number.NaN, 'USD')).toBe('—');
  });
});

describe('parseAmount', () => {
  it('reads plain decimals, with a point or a comma', () => {
    expect(parseAmount('0.015')).toBe(0.015);
    expect(parseAmount(' 100 ')).toBe(100);
    expect(parseAmount('1,5')).toBe(1.5);
    expect(parseAmount('.5')).toBe(0.5);
  });

  it('refuses anything that is not a number of 0 or more', () => {
    expect(parseAmount('')).toBeNull();
    expect(parseAmount('-1')).toBeNull();
    expect(parseAmount('1e3')).toBeNull();
    expect(parseAmount('ten')).toBeNull();
    expect(parseAmount('1,000.5')).toBeNull();
  });
});
