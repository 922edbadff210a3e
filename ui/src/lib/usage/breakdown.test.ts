import { describe, expect, it } from 'vitest';
import type { TenantUsage } from '../ipc';
import { percent, segments, tenantRows } from './breakdown';

const tenant = (id: string, bytes: Record<string, number>, name: string | null = null): TenantUsage => {
  const categories = Object.fromEntries(Object.entries(bytes).map(([c, b]) => [c, { objects: 1, bytes: b }]));
  const total = Object.values(bytes).reduce((a, b) => a + b, 0);
  return { tenant: id, name, objects: Object.keys(bytes).length, bytes: total, categories, months: [] };
};

describe('segments', () => {
  it('splits a tenant’s bytes by category in a fixed order, other folders as “other”', () => {
    const parts = segments(tenant('acme', { uploads: 25, documents: 50, archive: 15, misc: 10 }));
    expect(parts.map((p) => [p.category, p.bytes, p.share])).toEqual([
      ['documents', 50, 0.5],
      ['images', 0, 0],
      ['uploads', 25, 0.25],
      ['other', 25, 0.25],
    ]);
  });

  it('sums several tenants for the bucket’s bar', () => {
    const parts = segments(tenant('a', { documents: 30, images: 10 }), tenant('b', { documents: 10, scans: 50 }));
    expect(parts.map((p) => [p.category, p.bytes, p.share])).toEqual([
      ['documents', 40, 0.4],
      ['images', 10, 0.1],
      ['uploads', 0, 0],
      ['other', 50, 0.5],
    ]);
  });

  it('gives an empty tenant no shares rather than NaN', () => {
    expect(segments(tenant('empty', { documents: 0 })).every((p) => p.share === 0)).toBe(true);
  });
});

describe('tenantRows', () => {
  it('puts the biggest tenant first and scales each bar to it', () => {
    const rows = tenantRows([tenant('small', { documents: 10 }), tenant('big', { images: 40 }), tenant('mid', { uploads: 20 })]);
    expect(rows.map((r) => [r.tenant.tenant, r.scale])).toEqual([
      ['big', 1],
      ['mid', 0.5],
      ['small', 0.25],
    ]);
  });

  it('labels a tenant by its name, from the report or else the directory', () => {
    const rows = tenantRows([tenant('acme', { documents: 2 }, 'Acme Corp'), tenant('globex', { documents: 1 })], (id) => (id === 'globex' ? 'Globex' : null));
    expect(rows.map((r) => [r.label, r.named])).toEqual([
      ['Acme Corp', true],
      ['Globex', true],
    ]);
    expect(tenantRows([tenant('initech', { documents: 1 })])[0]).toMatchObject({ label: 'initech', named: false });
  });
});

describe('percent', () => {
  it('rounds, and never calls a sliver 0%', () => {
    expect(percent(0.344)).toBe('34%');
    expect(percent(0.004)).toBe('< 1%');
    expect(percent(0)).toBe('0%');
  });
});
