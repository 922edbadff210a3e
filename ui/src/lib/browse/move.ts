// Moving files between folders: where they go, which ones actually move, and whether the
// move crosses tenants, which the core refuses unless the user confirmed it.

import { tenantOf } from './location';

export const CATEGORIES = ['documents', 'images', 'uploads'] as const;

/** The folder a key lies in: "acme/images/x.jpg" → "acme/images/". */
export function folderOf(key: string): string {
  return key.slice(0, key.lastIndexOf('/') + 1);
}

/**
 * A typed folder as a prefix: no leading or doubled slashes, one trailing slash; "" when
 * nothing usable was typed.
 */
export function normalizeFolder(text: string): string {
  const parts = text
    .trim()
    .split('/')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  return parts.length === 0 ? '' : `${parts.join('/')}/`;
}

/** The keys that would change: a key already in `folder` stays where it is. */
export function movable(keys: readonly string[], folder: string): string[] {
  return keys.filter((key) => folderOf(key) !== folder);
}

/** The tenants the keys would leave, in first-seen order; empty when every key stays in its tenant. */
export function tenantsLeft(keys: readonly string[], folder: string): string[] {
  const to = tenantOf(folder);
  const from = new Set<string>();
  for (const key of keys) {
    const tenant = tenantOf(key);
    if (tenant !== null && tenant !== to) from.add(tenant);
  }
  return [...from];
}

/** "Move 3 files from acme to globex?" */
export function crossTenantQuestion(count: number, from: readonly string[], folder: string): string {
  const files = count === 1 ? '1 file' : `${count.toLocaleString()} files`;
  return `Move ${files} from ${from.join(', ')} to ${tenantOf(folder) ?? folder}?`;
}
