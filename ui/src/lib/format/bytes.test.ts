import { describe, expect, it } from 'vitest';
import { formatBytes } from './bytes';

describe('formatBytes (base 1000)', () => {
  it.each([
    [0, '0 B'],
    [1, '1 B'],
    [999, '999 B'],
    [1000, '1.0 KB'],
    [1024, '1.0 KB'],
    [1550, '1.6 KB'],
    [182_000, '182 KB'],
    [1_200_000, '1.2 MB'],
    [9_940_000, '9.9 MB'],
    [12_400_000, '12 MB'],
    [999_950, '1.0 MB'],
    [999_499, '999 KB'],
    [5_000_000_000, '5.0 GB'],
    [2_500_000_000_000, '2.5 TB'],
  ])('%d bytes → %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });

  it('shows a dash for impossible sizes', () => {
    expect(formatBytes(-1)).toBe('—');
    expect(formatBytes(Number.NaN)).toBe('—');
    expect(formatBytes(Number.POSITIVE_INFINITY)).toBe('—');
  });
});
