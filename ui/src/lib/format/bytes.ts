// Byte sizes for people. Base 1000 (SI), as Finder, Nautilus and the R2 dashboard
// count, so "1.2 MB" here is the same 1.2 MB the user sees elsewhere. Units are
// written KB/MB/GB as in those tools. One decimal below 10, whole numbers above.

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB', 'PB', 'EB'];
const BASE = 1000;

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  if (bytes < BASE) return `${Math.round(bytes)} B`;

  let unit = 0;
  let value = bytes;
  while (value >= BASE && unit < UNITS.length - 1) {
    value /= BASE;
    unit += 1;
  }
  let text = value < 10 ? value.toFixed(1) : Math.round(value).toString();
  // 999,950 B is 999.95 KB, which rounds to "1000 KB": say "1.0 MB" instead.
  if (Number(text) >= BASE && unit < UNITS.length - 1) {
    unit += 1;
    text = (Number(text) / BASE).toFixed(1);
  }
  return `${text} ${UNITS[unit]}`;
}
