import { describe, expect, it } from 'vitest';
import { canWatch, tenantArgument } from './watch-form';

describe('tenantArgument', () => {
  it('is the tenant typed, trimmed, for one tenant', () => {
    expect(tenantArgument('one', '  acme ')).toBe('acme');
  });

  // null is how the core hears "each first-level subfolder is a tenant".
  it('is null for client folders, whatever was typed before switching', () => {
    expect(tenantArgument('per-subfolder', 'acme')).toBeNull();
  });
});

describe('canWatch', () => {
  it('needs a folder, and a tenant only when every file goes to one', () => {
    expect(canWatch('/home/a/Receipts', 'one', 'acme')).toBe(true);
    expect(canWatch('/home/a/Receipts', 'one', '  ')).toBe(false);
    expect(canWatch('/home/a/Clients', 'per-subfolder', '')).toBe(true);
    expect(canWatch(' ', 'per-subfolder', '')).toBe(false);
  });
});
