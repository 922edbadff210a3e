// What the bucket costs a month on R2 against S3, worked out in the window so the estimate
// follows the "GB downloaded per month" box as it is typed. The formula is the core's
// (crates/core/src/usage.rs `cost`), figure for figure: R2 charges storage beyond its free
// allowance and no egress; S3 charges all storage, and transfer out beyond its free allowance.
// GB are decimal (10^9 bytes), as both price lists count them.

import type { Prices } from '../ipc';

const GB = 1_000_000_000;

export type Estimate = {
  storedGb: number;
  downloadedGb: number;
  r2Storage: number;
  r2Total: number;
  s3Storage: number;
  s3Egress: number;
  s3Total: number;
};

// A figure the core sent as null (it cannot be NaN in a saved table) counts as nothing.
const figure = (value: number | null): number => (value !== null && Number.isFinite(value) ? value : 0);

export function estimate(bytes: number, downloadedGb: number, prices: Prices): Estimate {
  const storedGb = Math.max(0, bytes) / GB;
  const downloaded = Math.max(0, Number.isFinite(downloadedGb) ? downloadedGb : 0);
  const r2Storage = Math.max(storedGb - figure(prices.r2_free_gb), 0) * figure(prices.r2_storage_gb_month);
  const s3Storage = storedGb * figure(prices.s3_storage_gb_month);
  const s3Egress = Math.max(downloaded - figure(prices.s3_egress_free_gb), 0) * figure(prices.s3_egress_gb);
  return { storedGb, downloadedGb: downloaded, r2Storage, r2Total: r2Storage, s3Storage, s3Egress, s3Total: s3Storage + s3Egress };
}

/** "$1,234.56"; "< $0.01" for a cost too small for cents; the code after the figure for an unknown currency. */
export function formatMoney(amount: number, currency: string): string {
  if (!Number.isFinite(amount)) return '—';
  const tiny = amount > 0 && amount < 0.005;
  const shown = tiny ? 0.01 : amount;
  let text: string;
  try {
    text = new Intl.NumberFormat('en-US', { style: 'currency', currency, minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(shown);
  } catch {
    text = `${shown.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })} ${currency}`.trim();
  }
  return tiny ? `< ${text}` : text;
}

/** Which is cheaper for this usage, and by how much a month. */
export function cheaper(e: Estimate): { store: 'R2' | 'S3' | null; by: number } {
  const by = Math.abs(e.s3Total - e.r2Total);
  if (by < 0.005) return { store: null, by: 0 };
  return { store: e.r2Total < e.s3Total ? 'R2' : 'S3', by };
}

/** A typed amount ("0.015", "1,5", " 100 "), or null when it is not a number of 0 or more. */
export function parseAmount(text: string): number | null {
  let t = text.trim();
  if (t === '') return null;
  // A decimal comma, as many keyboards type it; thousands separators are not expected here.
  if (!t.includes('.') && /^\d+,\d+$/.test(t)) t = t.replace(',', '.');
  if (!/^\d*\.?\d+$|^\d+\.$/.test(t)) return null;
  const value = Number(t);
  return Number.isFinite(value) && value >= 0 ? value : null;
}

/** The price table's figures, as the Edit prices dialog lists them. */
export const PRICE_FIGURES = [
  { key: 'r2_storage_gb_month', label: 'R2 storage', unit: 'per GB-month' },
  { key: 'r2_free_gb', label: 'R2 free storage', unit: 'GB a month' },
  { key: 's3_storage_gb_month', label: 'S3 storage', unit: 'per GB-month' },
  { key: 's3_egress_gb', label: 'S3 transfer out', unit: 'per GB' },
  { key: 's3_egress_free_gb', label: 'S3 free transfer out', unit: 'GB a month' },
] as const satisfies readonly { key: keyof Prices; label: string; unit: string }[];

export type PriceFigure = (typeof PRICE_FIGURES)[number]['key'];
