// Quick look: what the window can show of a file (images inline, PDFs through the desktop's
// viewer), and stepping to the neighbouring file with the arrow keys.

import type { Row } from './rows';

export type PreviewKind = 'image' | 'pdf';

/** What the core previews (images other than SVG, PDFs); null for anything else. */
export function previewKind(contentType: string): PreviewKind | null {
  const type = contentType.toLowerCase().split(';')[0].trim();
  if (type === 'application/pdf') return 'pdf';
  if (type.startsWith('image/') && type !== 'image/svg+xml') return 'image';
  return null;
}

type FileRow = Extract<Row, { kind: 'file' }>;

/** The file `delta` files away from `key` in table order (folders skipped), or null at either end. */
export function neighbour(rows: readonly Row[], key: string, delta: number): FileRow | null {
  const files = rows.filter((r): r is FileRow => r.kind === 'file');
  const at = files.findIndex((f) => f.key === key);
  if (at === -1) return null;
  return files[at + delta] ?? null;
}
