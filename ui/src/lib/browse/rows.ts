// The file table's rows: folders and files of one listing, filtered by the filter box and
// sorted by a column. Folders always stay above files, as in Finder and Nautilus.

import type { FileEntry, FolderEntry } from '../ipc';

export type Row = ({ kind: 'folder' } & FolderEntry) | ({ kind: 'file' } & FileEntry);
export type SortColumn = 'name' | 'size' | 'modified' | 'type';
export type SortOrder = { column: SortColumn; descending: boolean };

/** The stable id of a row: its prefix or key. */
export function rowId(row: Row): string {
  return row.kind === 'folder' ? row.prefix : row.key;
}

/** Short type labels people know: "JPEG", "PDF", "CSV"; "Folder" for folders. */
export function typeLabel(row: Row): string {
  if (row.kind === 'folder') return 'Folder';
  const dot = row.name.lastIndexOf('.');
  if (dot > 0 && dot < row.name.length - 1) {
    const ext = row.name.slice(dot + 1).toUpperCase();
    return ext === 'JPG' ? 'JPEG' : ext;
  }
  return row.content_type === 'application/octet-stream' ? 'File' : row.content_type;
}

// Names compare as Finder and Nautilus compare them: by letters whatever their case ("expenses"
// before "Invoice", which byte order would swap) and by the value of numbers ("file2" before "file10").
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

function compare(a: Row, b: Row, column: SortColumn): number {
  switch (column) {
    case 'size':
      return (a.kind === 'file' ? a.size : 0) - (b.kind === 'file' ? b.size : 0) || collator.compare(a.name, b.name);
    case 'modified': {
      const at = a.kind === 'file' && a.modified ? Date.parse(a.modified) : 0;
      const bt = b.kind === 'file' && b.modified ? Date.parse(b.modified) : 0;
      return at - bt || collator.compare(a.name, b.name);
    }
    case 'type':
      return collator.compare(typeLabel(a), typeLabel(b)) || collator.compare(a.name, b.name);
    default:
      return collator.compare(a.name, b.name) || collator.compare(rowId(a), rowId(b));
  }
}

/** A new sorted array; folders first whatever the order. */
export function sortRows(rows: readonly Row[], order: SortOrder): Row[] {
  const sign = order.descending ? -1 : 1;
  return [...rows].sort((a, b) => {
    if (a.kind !== b.kind) return a.kind === 'folder' ? -1 : 1;
    return sign * compare(a, b, order.column);
  });
}

/** `sorted` plus `added`, in `order`: the new rows are sorted and merged in, so a listing that
 * streams 100,000 rows page by page costs one merge per page instead of a sort of everything. */
export function mergeSorted(sorted: readonly Row[], added: readonly Row[], order: SortOrder): Row[] {
  const fresh = sortRows(added, order);
  if (sorted.length === 0) return fresh;
  const sign = order.descending ? -1 : 1;
  const before = (a: Row, b: Row) => {
    if (a.kind !== b.kind) return a.kind === 'folder';
    return sign * compare(a, b, order.column) < 0;
  };
  const out: Row[] = new Array(sorted.length + fresh.length);
  let i = 0;
  let j = 0;
  let k = 0;
  // Ties keep the earlier rows first, as a stable sort of the whole would.
  while (i < sorted.length && j < fresh.length) out[k++] = before(fresh[j], sorted[i]) ? fresh[j++] : sorted[i++];
  while (i < sorted.length) out[k++] = sorted[i++];
  while (j < fresh.length) out[k++] = fresh[j++];
  return out;
}

/** Clicking a column sorts by it; clicking it again reverses the order. */
export function toggleSort(current: SortOrder, column: SortColumn): SortOrder {
  if (current.column === column) return { column, descending: !current.descending };
  // Sizes and dates read best biggest/newest first.
  return { column, descending: column === 'size' || column === 'modified' };
}

/** Case-insensitive match on the shown name or the full key; `*` and `?` work as wildcards. */
export function matchesFilter(row: Row, filter: string): boolean {
  const text = filter.trim().toLowerCase();
  if (text === '') return true;
  const haystacks = [row.name.toLowerCase(), rowId(row).toLowerCase()];
  if (text.includes('*') || text.includes('?')) {
    const pattern = text.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
    const re = new RegExp(`^${pattern}$`);
    return re.test(haystacks[0]);
  }
  return haystacks.some((h) => h.includes(text));
}

export type FileIcon = 'image' | 'sheet' | 'text' | 'file';

/** Which icon a file row gets, from its (name-guessed) content type. */
export function fileIcon(contentType: string): FileIcon {
  const type = contentType.toLowerCase();
  if (type.startsWith('image/')) return 'image';
  if (type.includes('csv') || type.includes('spreadsheet') || type.includes('ms-excel') || type.includes('tab-separated')) return 'sheet';
  if (type.startsWith('text/') || type.includes('pdf') || type.includes('document') || type.includes('msword') || type.includes('json')) return 'text';
  return 'file';
}
