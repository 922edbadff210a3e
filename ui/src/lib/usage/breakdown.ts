// The per-tenant table of the Usage view: tenants by size, biggest first, and each tenant's
// bytes split by category folder (documents, images, uploads, and "other" for any other
// folder), for its stacked bar and its legend.

import type { TenantUsage } from '../ipc';
import { tenantLabel } from '../browse/tenants.svelte';

export const CATEGORIES = ['documents', 'images', 'uploads', 'other'] as const;
export type UsageCategory = (typeof CATEGORIES)[number];

export type Segment = { category: UsageCategory; objects: number; bytes: number; share: number };

/**
 * The tenants' bytes by category, in CATEGORIES order; a folder the core did not name is "other".
 * One tenant for its bar, all of them for the bucket's.
 */
export function segments(...tenants: TenantUsage[]): Segment[] {
  const sums = new Map<UsageCategory, { objects: number; bytes: number }>(CATEGORIES.map((c) => [c, { objects: 0, bytes: 0 }]));
  for (const tenant of tenants) {
    for (const [name, count] of Object.entries(tenant.categories)) {
      const category = (CATEGORIES as readonly string[]).includes(name) ? (name as UsageCategory) : 'other';
      const sum = sums.get(category)!;
      sum.objects += count.objects;
      sum.bytes += count.bytes;
    }
  }
  const total = [...sums.values()].reduce((all, c) => all + c.bytes, 0);
  return CATEGORIES.map((category) => {
    const { objects, bytes } = sums.get(category)!;
    return { category, objects, bytes, share: total > 0 ? bytes / total : 0 };
  });
}

export type TenantRow = { tenant: TenantUsage; label: string; named: boolean; scale: number; segments: Segment[] };

/**
 * The table's rows, biggest first (then by label), each with its bar's length against the
 * biggest tenant's (0–1). `nameOf` supplies a name the report predates.
 */
export function tenantRows(tenants: readonly TenantUsage[], nameOf: (id: string) => string | null = () => null): TenantRow[] {
  const biggest = Math.max(0, ...tenants.map((t) => t.bytes));
  return tenants
    .map((tenant) => {
      const label = tenantLabel({ id: tenant.tenant, name: tenant.name ?? nameOf(tenant.tenant) });
      return { tenant, label, named: label !== tenant.tenant, scale: biggest > 0 ? tenant.bytes / biggest : 0, segments: segments(tenant) };
    })
    .sort((a, b) => b.tenant.bytes - a.tenant.bytes || a.label.localeCompare(b.label));
}

/** "34%", "< 1%" for a sliver, "0%" for nothing. */
export function percent(share: number): string {
  if (share <= 0) return '0%';
  if (share < 0.01) return '< 1%';
  return `${Math.round(share * 100)}%`;
}
