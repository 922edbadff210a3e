// Renaming one file: what the name box selects when it opens, whether the new name changes the
// file's type (its extension), and the row after the core renamed the object. The core owns the
// rules (sanitizing, keeping the key's stamp).

import type { FileEntry } from '../ipc';
import { displayName } from '../format/keys';

/**
 * The part of `name` a rename box selects first: the stem before the last dot, so typing
 * replaces the name and keeps the extension, as Finder and Nautilus do. Names with no
 * extension, or a leading dot only (".env"), select everything.
 */
export function stemRange(name: string): [number, number] {
  const ext = extensionOf(name);
  return [0, name.length - ext.length];
}

// What passes for an extension: letters and digits after the last dot ("pdf", "mp4", "7z"). A
// dot inside words ("v1.2 notes", "Mr. Smith") does not make one.
const EXTENSION = /\.[A-Za-z0-9]{1,10}$/;

/** The extension of `name` with its dot (".pdf"), or "" when it has none; ".env" has none. */
export function extensionOf(name: string): string {
  const match = EXTENSION.exec(name);
  return match && match.index > 0 ? match[0] : '';
}

/** How a new name changes the file's extension: dropped, or swapped for another. */
export type ExtensionChange = { kind: 'removed'; from: string } | { kind: 'changed'; from: string; to: string };

/** The change from `before` to `after` that deserves a question, or null (same type, whatever the case). */
export function extensionChange(before: string, after: string): ExtensionChange | null {
  const from = extensionOf(before);
  if (from === '') return null;
  const to = extensionOf(after.trim());
  if (to.toLowerCase() === from.toLowerCase()) return null;
  return to === '' ? { kind: 'removed', from } : { kind: 'changed', from, to };
}

/** `name` ending in `ext` in place of its own extension, or with `ext` added: "report" → "report.pdf". */
export function withExtension(name: string, ext: string): string {
  const trimmed = name.trim();
  const own = extensionOf(trimmed);
  return trimmed.slice(0, trimmed.length - own.length).replace(/\.+$/, '') + ext;
}

/** The row for the renamed object, read back from its new key (the core may have sanitized the name). */
export function renamedEntry(file: FileEntry, newKey: string, contentType: string): FileEntry {
  return { ...file, key: newKey, name: displayName(newKey), content_type: contentType };
}
