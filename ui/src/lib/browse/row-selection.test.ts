import { describe, expect, it } from 'vitest';
import type { FileEntry, FolderEntry } from '../ipc';
import { Listing } from './listing.svelte';
import { RowSelection } from './row-selection.svelte';

const file = (name: string, size = 1000): FileEntry => ({
  key: `acme/20250127_123456_abc123_${name}`,
  name,
  size,
  modified: null,
  content_type: 'application/octet-stream',
});
const folder = (name: string): FolderEntry => ({ name, prefix: `acme/${name}/`, category: null });

/** A selection over a listing of "acme/" holding `folders` and `files`, done loading. */
async function over(files: FileEntry[], folders: FolderEntry[] = []): Promise<{ listing: Listing; selection: RowSelection }> {
  const listing = new Listing({
    listFolder: async (_prefix, onPage) => {
      onPage({ folders, files });
      return { folders: folders.length, files: files.length, bytes: 0 };
    },
    reportStartup: async () => {},
  });
  await listing.open('acme/');
  return { listing, selection: new RowSelection(listing) };
}

describe('RowSelection', () => {
  it('moves through the rows in table order, folders first', async () => {
    const { selection } = await over([file('b.pdf'), file('a.pdf')], [folder('images')]);
    expect(selection.order).toEqual(['acme/images/', file('a.pdf').key, file('b.pdf').key]);
    selection.first();
    expect([...selection.current.selected]).toEqual(['acme/images/']);
    selection.move(2, true);
    expect(selection.size).toBe(3);
    expect(selection.cursorRow?.name).toBe('b.pdf');
  });

  it('counts files apart from folders, and one file as the one', async () => {
    const { selection } = await over([file('a.pdf', 1200), file('b.pdf', 800)], [folder('images')]);
    selection.click('acme/images/');
    expect(selection.files).toEqual([]);
    expect(selection.one).toBeNull();
    expect(selection.summary).toBe('1 selected');
    selection.click(file('a.pdf').key, { toggle: true });
    expect(selection.one?.name).toBe('a.pdf');
    selection.click(file('b.pdf').key, { toggle: true });
    expect(selection.one).toBeNull();
    expect(selection.summary).toBe('3 selected (2.0 KB)');
  });

  it('says nothing while nothing is selected', async () => {
    const { selection } = await over([file('a.pdf')]);
    expect(selection.summary).toBe('');
    selection.selectAll();
    selection.clear();
    expect(selection.summary).toBe('');
  });

  // Once a row was filtered out it stays unselected when the filter is cleared, so Delete
  // never acts on rows the person could not see when they chose.
  it('drops rows that are no longer shown, for good', async () => {
    const { listing, selection } = await over([file('a.pdf'), file('b.jpg')]);
    selection.selectAll();
    listing.filter = '*.pdf';
    selection.retain();
    expect(selection.files.map((f) => f.name)).toEqual(['a.pdf']);
    listing.filter = '';
    selection.retain();
    expect(selection.files.map((f) => f.name)).toEqual(['a.pdf']);
  });

  it('leaves an unchanged selection as it is, so effects do not loop', async () => {
    const { selection } = await over([file('a.pdf')]);
    selection.selectAll();
    const before = selection.current;
    selection.retain();
    expect(selection.current).toBe(before);
  });

  it('selects a renamed file alone before the listing knows it', async () => {
    const { selection } = await over([file('a.pdf')]);
    selection.only('acme/20250127_123456_abc123_new.pdf');
    expect(selection.current.cursor).toBe('acme/20250127_123456_abc123_new.pdf');
    expect(selection.cursorRow).toBeUndefined();
  });

  it('has no first row to go down into when the folder is empty', async () => {
    const { selection } = await over([]);
    selection.first();
    expect(selection.size).toBe(0);
  });
});
