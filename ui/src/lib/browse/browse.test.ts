import { describe, expect, it } from 'vitest';
import { crumbs, parentOf, tenantOf, categoryOf } from './location';
import { customExpiry, describeExpiry } from './expiry';
import { fileIcon, matchesFilter, mergeSorted, sortRows, toggleSort, typeLabel, type Row, type SortOrder } from './rows';
import { click, EMPTY, move, retain, selectAll } from './selection';
import { scrollToReveal, visibleWindow } from './virtual';

const file = (name: string, size = 0, modified: string | null = null): Row => ({
  kind: 'file',
  key: `acme/documents/20250127_123456_abc123_${name}`,
  name,
  size,
  modified,
  content_type: 'application/octet-stream',
});
const folder = (name: string): Row => ({ kind: 'folder', name, prefix: `acme/${name}/`, category: null });

describe('rows', () => {
  it('keeps folders above files in every order', () => {
    const rows = [file('b.pdf', 5), folder('zeta'), file('a.pdf', 10), folder('alpha')];
    expect(sortRows(rows, { column: 'name', descending: false }).map((r) => r.name)).toEqual(['alpha', 'zeta', 'a.pdf', 'b.pdf']);
    expect(sortRows(rows, { column: 'size', descending: true }).map((r) => r.name)).toEqual(['zeta', 'alpha', 'a.pdf', 'b.pdf']);
  });

  it('sorts names the way people count (2 before 10)', () => {
    const rows = [file('scan10.jpg'), file('scan2.jpg')];
    expect(sortRows(rows, { column: 'name', descending: false }).map((r) => r.name)).toEqual(['scan2.jpg', 'scan10.jpg']);
  });

  it('sorts names by their letters, whatever their case', () => {
    // Byte order would put every capital first: "Invoice" before "expenses".
    const rows = [file('Invoice-2025.pdf'), file('expenses-q1.csv'), file('Zebra.png'), file('apple.txt')];
    expect(sortRows(rows, { column: 'name', descending: false }).map((r) => r.name)).toEqual([
      'apple.txt',
      'expenses-q1.csv',
      'Invoice-2025.pdf',
      'Zebra.png',
    ]);
    expect(sortRows(rows, { column: 'name', descending: true }).map((r) => r.name)).toEqual([
      'Zebra.png',
      'Invoice-2025.pdf',
      'expenses-q1.csv',
      'apple.txt',
    ]);
  });

  it('sorts numbers inside names by value, in folders too and across case', () => {
    const rows = [file('file10.txt'), file('File2.txt'), file('file1.txt'), folder('Q10'), folder('q9')];
    expect(sortRows(rows, { column: 'name', descending: false }).map((r) => r.name)).toEqual(['q9', 'Q10', 'file1.txt', 'File2.txt', 'file10.txt']);
  });

  it('breaks ties on size and type by the same name order', () => {
    const rows = [file('b10.pdf', 5), file('B9.pdf', 5), file('a.pdf', 5)];
    expect(sortRows(rows, { column: 'size', descending: false }).map((r) => r.name)).toEqual(['a.pdf', 'B9.pdf', 'b10.pdf']);
    expect(sortRows(rows, { column: 'type', descending: false }).map((r) => r.name)).toEqual(['a.pdf', 'B9.pdf', 'b10.pdf']);
  });

  it('sorts by date, missing dates last when newest first', () => {
    const rows = [file('old', 0, '2024-01-01T00:00:00Z'), file('none'), file('new', 0, '2025-01-01T00:00:00Z')];
    expect(sortRows(rows, { column: 'modified', descending: true }).map((r) => r.name)).toEqual(['new', 'old', 'none']);
  });

  it('merging page after page gives the order sorting everything gives', () => {
    // A fixed pseudo-random stream: names and sizes repeat, so ties are exercised too.
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
    const all: Row[] = Array.from({ length: 2500 }, (_, i) =>
      i % 97 === 0 ? folder(`dir${next() % 50}`) : file(`scan${next() % 300}.jpg`, next() % 40, `2025-01-0${1 + (next() % 9)}T00:00:00Z`),
    );
    const orders: SortOrder[] = [
      { column: 'name', descending: false },
      { column: 'name', descending: true },
      { column: 'size', descending: true },
      { column: 'modified', descending: false },
      { column: 'type', descending: true },
    ];
    for (const order of orders) {
      let merged: Row[] = [];
      for (let start = 0; start < all.length; start += 1000) merged = mergeSorted(merged, all.slice(start, start + 1000), order);
      expect(merged.map((r) => (r.kind === 'file' ? r.key : r.prefix) + r.name)).toEqual(
        sortRows(all, order).map((r) => (r.kind === 'file' ? r.key : r.prefix) + r.name),
      );
    }
  });

  it('toggles the order on the same column and starts big-first for size', () => {
    expect(toggleSort({ column: 'name', descending: false }, 'name')).toEqual({ column: 'name', descending: true });
    expect(toggleSort({ column: 'name', descending: false }, 'size')).toEqual({ column: 'size', descending: true });
  });

  it('filters by substring of the shown name or key, and by glob on the name', () => {
    expect(matchesFilter(file('invoice.pdf'), 'VOICE')).toBe(true);
    expect(matchesFilter(file('invoice.pdf'), 'abc123')).toBe(true);
    expect(matchesFilter(file('invoice.pdf'), '*.pdf')).toBe(true);
    expect(matchesFilter(file('invoice.pdf'), '*.jpg')).toBe(false);
    expect(matchesFilter(file('invoice.pdf'), '  ')).toBe(true);
  });

  it('picks file icons by content type', () => {
    expect(fileIcon('image/jpeg')).toBe('image');
    expect(fileIcon('text/csv')).toBe('sheet');
    expect(fileIcon('application/pdf')).toBe('text');
    expect(fileIcon('application/zip')).toBe('file');
  });

  it('labels types by extension', () => {
    expect(typeLabel(file('receipt.jpg'))).toBe('JPEG');
    expect(typeLabel(file('expenses-q1.csv'))).toBe('CSV');
    expect(typeLabel(folder('images'))).toBe('Folder');
    expect(typeLabel(file('README'))).toBe('File');
  });
});

describe('selection', () => {
  const order = ['a', 'b', 'c', 'd', 'e'];

  it('plain click selects one, ctrl toggles, shift selects a range from the anchor', () => {
    let sel = click(EMPTY, order, 'b');
    expect([...sel.selected]).toEqual(['b']);
    sel = click(sel, order, 'd', { shift: true });
    expect([...sel.selected]).toEqual(['b', 'c', 'd']);
    sel = click(sel, order, 'a', { shift: true });
    expect([...sel.selected]).toEqual(['a', 'b']);
    sel = click(sel, order, 'e', { toggle: true });
    expect([...sel.selected].sort()).toEqual(['a', 'b', 'e']);
    sel = click(sel, order, 'e', { toggle: true });
    expect([...sel.selected].sort()).toEqual(['a', 'b']);
  });

  it('arrows move the cursor, clamp at the ends, and extend with shift', () => {
    let sel = move(EMPTY, order, 1);
    expect(sel.cursor).toBe('a');
    sel = move(sel, order, 1);
    sel = move(sel, order, 2, true);
    expect([...sel.selected]).toEqual(['b', 'c', 'd']);
    sel = move(sel, order, 10);
    expect(sel.cursor).toBe('e');
    expect(move(EMPTY, [], 1)).toEqual(EMPTY);
  });

  it('select all, and retain drops rows that went away', () => {
    const all = selectAll(order);
    expect(all.selected.size).toBe(5);
    const kept = retain(all, ['a', 'c']);
    expect([...kept.selected]).toEqual(['a', 'c']);
    expect(kept.cursor).toBeNull();
    expect(retain(kept, ['a', 'c'])).toBe(kept);
  });
});

describe('virtual window', () => {
  it('renders only the rows near the viewport', () => {
    const w = visibleWindow(30 * 1000, 600, 30, 100_000, 5);
    expect(w.start).toBe(995);
    expect(w.end).toBe(1000 + 21 + 5);
    expect(w.before).toBe(995 * 30);
    expect(w.before + (w.end - w.start) * 30 + w.after).toBe(100_000 * 30);
  });

  it('clamps at both ends and handles empty lists', () => {
    expect(visibleWindow(0, 600, 30, 3)).toEqual({ start: 0, end: 3, before: 0, after: 0 });
    expect(visibleWindow(100, 600, 30, 0)).toEqual({ start: 0, end: 0, before: 0, after: 0 });
    const last = visibleWindow(99_999 * 30, 600, 30, 100_000, 0);
    expect(last.end).toBe(100_000);
  });

  it('scrolls just enough to reveal a row', () => {
    expect(scrollToReveal(5, 0, 300, 30)).toBeNull();
    expect(scrollToReveal(20, 0, 300, 30)).toBe(21 * 30 - 300);
    expect(scrollToReveal(2, 300, 300, 30)).toBe(60);
  });
});

describe('location', () => {
  it('builds breadcrumbs and parents', () => {
    expect(crumbs('acme/documents/', 'bucket')).toEqual([
      { label: 'bucket', prefix: '' },
      { label: 'acme', prefix: 'acme/' },
      { label: 'documents', prefix: 'acme/documents/' },
    ]);
    expect(parentOf('acme/documents/')).toBe('acme/');
    expect(parentOf('acme/')).toBe('');
    expect(parentOf('')).toBe('');
    expect(tenantOf('acme/documents/')).toBe('acme');
    expect(tenantOf('')).toBeNull();
    expect(categoryOf('acme/images/x/')).toBe('images');
    expect(categoryOf('acme/other/')).toBeNull();
  });

  it('names the tenant’s crumb by its name, and only that crumb', () => {
    const named = (tenant: string) => (tenant === 'acme' ? 'Acme Corporation' : tenant);
    expect(crumbs('acme/acme/', 'bucket', named).map((c) => c.label)).toEqual(['bucket', 'Acme Corporation', 'acme']);
    expect(crumbs('acme/', 'bucket', named)[1]).toEqual({ label: 'Acme Corporation', prefix: 'acme/' });
  });
});

describe('expiry', () => {
  it('accepts 1 s to 7 days and says why otherwise', () => {
    expect(customExpiry('2', 'hours')).toEqual({ secs: 7200 });
    expect(customExpiry('7', 'days')).toEqual({ secs: 604800 });
    expect(customExpiry('8', 'days')).toEqual({ error: 'R2 signs links for at most 7 days.' });
    expect(customExpiry('', 'days')).toHaveProperty('error');
    expect(customExpiry('-1', 'minutes')).toHaveProperty('error');
    expect(describeExpiry(3600)).toBe('in 1 hour');
    expect(describeExpiry(3 * 86400)).toBe('in 3 days');
    expect(describeExpiry(90)).toBe('in 90 seconds');
  });
});
