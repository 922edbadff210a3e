import { describe, expect, it } from 'vitest';
import { crumbs, parentOf, tenantOf, categoryOf } from './location';
import { customExpiry, describeExpiry } from './expiry';
import { fileIcon, matchesFilter, mergeSorted, sortRows, toggleSort, typeLabel, type Row, type SortOrder } from './rows';
import { click, EMPTY, move, retain, selectAll } from './selection';
import { scrollToReveal, visibleWindow } from './virtual';
import { Transfers, formatEta } from './transfers.svelte';

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

describe('transfers', () => {
  it('follows a batch from queued to finished and totals progress', () => {
    const t = new Transfers();
    t.apply({ event: 'queued', batch: 1, direction: 'upload', items: [{ key: 'a/documents/x.pdf', local: '/x.pdf', size: 100 }, { key: 'a/images/y.png', local: '/y.png', size: 300 }] });
    t.apply({ event: 'started', batch: 1, id: 7, direction: 'upload', key: 'a/documents/x.pdf', local: '/x.pdf', total: 100 });
    t.apply({ event: 'progress', batch: 1, id: 7, done: 50, total: 100, bytes_per_sec: 25, eta_secs: 2 });
    expect(t.totals).toMatchObject({ active: 2, done: 50, total: 400, bytesPerSec: 25 });
    expect(t.totals.etaSecs).toBe(14);
    t.apply({ event: 'finished', batch: 1, id: 7, key: 'a/documents/x.pdf', local: '/x.pdf', bytes: 100 });
    t.apply({ event: 'failed', batch: 1, id: 8, key: 'a/images/y.png', local: '/y.png', code: 'io', message: 'gone' });
    expect(t.totals.active).toBe(0);
    t.finish({ batch: 1, done: 1, bytes: 100, failed: [], cancelled: false });
    expect(t.busy).toBe(false);
    expect(t.totals.failed).toBe(1);
    t.clearFinished();
    expect(t.batches).toEqual([]);
  });

  it('marks unfinished items as cancelled when the batch was cancelled', () => {
    const t = new Transfers();
    t.apply({ event: 'queued', batch: 2, direction: 'download', items: [{ key: 'k', local: '/k', size: null }] });
    t.finish({ batch: 2, done: 0, bytes: 0, failed: [], cancelled: true });
    expect(t.batches[0].items[0]).toMatchObject({ state: 'failed', message: 'Cancelled' });
  });

  it('hands over only the failed items of a finished batch for a retry', () => {
    const t = new Transfers();
    t.apply({ event: 'queued', batch: 3, direction: 'upload', items: [{ key: 'a/x', local: '/x', size: 1 }, { key: 'a/y', local: '/y', size: 1 }] });
    t.apply({ event: 'finished', batch: 3, id: 1, key: 'a/x', local: '/x', bytes: 1 });
    t.apply({ event: 'failed', batch: 3, id: 2, key: 'a/y', local: '/y', code: 'unreachable', message: 'down' });
    // A batch still running is not retried.
    expect(t.takeFailed(3)).toEqual([]);
    t.finish({ batch: 3, done: 1, bytes: 1, failed: [], cancelled: false });
    expect(t.takeFailed(3).map((i) => i.local)).toEqual(['/y']);
    expect(t.batches[0].items.map((i) => i.key)).toEqual(['a/x']);
    expect(t.totals.failed).toBe(0);
    expect(t.takeFailed(3)).toEqual([]);
  });

  it('says how long is left in words', () => {
    expect(formatEta(12.2)).toBe('13 s left');
    expect(formatEta(125)).toBe('3 min left');
    expect(formatEta(3900)).toBe('1 h 5 min left');
    expect(formatEta(null)).toBe('');
  });
});
