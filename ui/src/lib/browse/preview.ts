// Quick look: what the window can show of a file, the PDF viewer's bytes, and stepping to
// the neighbouring file with the arrow keys.

import type { Row } from './rows';

export type PreviewKind = 'image' | 'pdf';

/** What the core previews (images other than SVG, PDFs); null for anything else. */
export function previewKind(contentType: string): PreviewKind | null {
  const type = contentType.toLowerCase().split(';')[0].trim();
  if (type === 'application/pdf') return 'pdf';
  if (type.startsWith('image/') && type !== 'image/svg+xml') return 'image';
  return null;
}

/**
 * The bytes of a base64 `data:` URL as a Blob. The PDF frame gets a short blob: URL instead of
 * the data URL: a 20 MiB PDF is a 27 MB data: string, over the 2 MB URL limit of Chromium
 * (WebView2 on Windows), and a blob: URL can be revoked to free the bytes when the preview closes.
 */
export function dataUrlToBlob(url: string): Blob {
  const match = /^data:([^;,]*)(;[^,]*)?,(.*)$/s.exec(url);
  if (!match || !(match[2] ?? '').includes(';base64')) throw new Error('Not a base64 data URL');
  const binary = atob(match[3]);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return new Blob([bytes], { type: match[1] || 'application/octet-stream' });
}

type FileRow = Extract<Row, { kind: 'file' }>;

/** The file `delta` files away from `key` in table order (folders skipped), or null at either end. */
export function neighbour(rows: readonly Row[], key: string, delta: number): FileRow | null {
  const files = rows.filter((r): r is FileRow => r.kind === 'file');
  const at = files.findIndex((f) => f.key === key);
  if (at === -1) return null;
  return files[at + delta] ?? null;
}
