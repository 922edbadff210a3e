// Renaming one file: what the name box selects when it opens, and the row after the core
// renamed the object. The core owns the rules (sanitizing, keeping the key's stamp).

import type { FileEntry } from '../ipc';
import { displayName } from '../format/keys';

/**
 * The part of `name` a rename box selects first: the stem before the last dot, so typing
 * replaces the name and keeps the extension, as Finder and Nautilus do. Names with no
 * extension, or a leading dot only (".env"), select everything.
 */
export function stemRange(name: string): [number, number] {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? [0, dot] : [0, name.length];
}

/** The row for the renamed object, read back from its new key (the core may have sanitized the name). */
export function renamedEntry(file: FileEntry, newKey: string, contentType: string): FileEntry {
  return { ...file, key: newKey, name: displayName(newKey), content_type: contentType };
}
