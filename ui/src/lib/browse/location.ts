// Where the browser is: a prefix ("" is the bucket, "acme/" a tenant, "acme/documents/" a
// folder), its breadcrumb, its parent and its tenant; and which view the window shows.

/** The window's views: the files, the share links, a watched folder, the usage report, a migration from S3. */
export type View = 'files' | 'links' | 'sync' | 'usage' | 'migrate';

export type Crumb = { label: string; prefix: string };

/**
 * "acme/documents/" → [bucket, acme, documents]; the tenant's crumb reads as `tenantLabel` says
 * (its name, when it has one: "Acme Corporation").
 */
export function crumbs(prefix: string, bucket: string, tenantLabel: (tenant: string) => string = (tenant) => tenant): Crumb[] {
  const parts = prefix.split('/').filter((p) => p !== '');
  const out: Crumb[] = [{ label: bucket, prefix: '' }];
  let at = '';
  for (const [i, part] of parts.entries()) {
    at += `${part}/`;
    out.push({ label: i === 0 ? tenantLabel(part) : part, prefix: at });
  }
  return out;
}

/** One level up; the bucket's root stays where it is. */
export function parentOf(prefix: string): string {
  const parts = prefix.split('/').filter((p) => p !== '');
  parts.pop();
  return parts.length === 0 ? '' : `${parts.join('/')}/`;
}

/** The tenant a prefix lies in, or null at the bucket's root. */
export function tenantOf(prefix: string): string | null {
  const first = prefix.split('/')[0];
  return first === '' || !prefix.includes('/') ? null : first;
}

/** The category folder a prefix lies in ("acme/images/x/" → "images"), if any. */
export function categoryOf(prefix: string): string | null {
  const second = prefix.split('/')[1];
  return second === 'documents' || second === 'images' || second === 'uploads' ? second : null;
}
