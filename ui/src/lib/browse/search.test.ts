import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Findings, Found } from '../ipc';
import { DEBOUNCE_MS, Search, folderWithin, highlight, revealOf, searchable, type Core } from './search.svelte';

const found = (name: string, folder = 'acme/documents/'): Found => ({
  key: `${folder}20250127_123456_abc123_${name}`,
  tenant: folder.split('/')[0],
  name,
  folder,
  size: 1000,
  modified: null,
});

/** A findings promise the test settles when it chooses. */
function deferred() {
  let resolve: (value: Findings) => void = () => {};
  const promise = new Promise<Findings>((settle) => (resolve = settle));
  return { promise, resolve };
}

const answer = (results: Found[], complete_at: string | null = null): Findings => ({ results, truncated: false, indexed: 100, complete_at });

describe('what a search shows and where a result leads', () => {
  it('searches from two characters, spaces aside', () => {
    expect(searchable('a')).toBe(false);
    expect(searchable(' a ')).toBe(false);
    expect(searchable('ab')).toBe(true);
  });

  it('opens the result’s folder with its key selected', () => {
    const file = found('invoice.pdf', 'acme/documents/2024/');
    expect(revealOf(file)).toEqual({ folder: 'acme/documents/2024/', key: file.key });
  });

  it('falls back to the key’s own folder when none is given (the largest files)', () => {
    expect(revealOf({ key: 'globex/images/x.jpg' })).toEqual({ folder: 'globex/images/', key: 'globex/images/x.jpg' });
    expect(revealOf({ key: 'globex/images/x.jpg', folder: '' })).toEqual({ folder: 'globex/images/', key: 'globex/images/x.jpg' });
  });

  it('names the folder inside its tenant', () => {
    expect(folderWithin('acme/documents/', 'acme')).toBe('documents');
    expect(folderWithin('acme/documents/2024/', 'acme')).toBe('documents/2024');
    expect(folderWithin('other/x/', 'acme')).toBe('other/x');
  });

  it('marks every occurrence of the text, whatever its case', () => {
    expect(highlight('Invoice-INV-2.pdf', 'inv')).toEqual([
      { text: 'Inv', match: true },
      { text: 'oice-', match: false },
      { text: 'INV', match: true },
      { text: '-2.pdf', match: false },
    ]);
    expect(highlight('a.pdf', '  ')).toEqual([{ text: 'a.pdf', match: false }]);
  });
});

describe('Search', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function searchWith(findFiles: Core['findFiles']) {
    const core = { findFiles: vi.fn(findFiles) };
    return { core, search: new Search(core) };
  }

  it('waits for a pause in typing, then asks once for the latest text', async () => {
    const { core, search } = searchWith(async () => answer([found('invoice.pdf')]));
    search.input('in');
    search.input('inv');
    expect(search.searching).toBe(true);
    await vi.advanceTimersByTimeAsync(DEBOUNCE_MS);
    expect(core.findFiles).toHaveBeenCalledTimes(1);
    expect(core.findFiles).toHaveBeenCalledWith('inv', null, false);
    expect(search.results.map((r) => r.name)).toEqual(['invoice.pdf']);
    expect(search.asked).toBe('inv');
    expect(search.active).toBe(0);
    expect(search.searching).toBe(false);
  });

  it('asks nothing for one character and forgets the answer when the text gets too short', async () => {
    const { core, search } = searchWith(async () => answer([found('invoice.pdf')]));
    search.input('i');
    await vi.advanceTimersByTimeAsync(DEBOUNCE_MS);
    expect(core.findFiles).not.toHaveBeenCalled();
    search.input('in');
    await vi.advanceTimersByTimeAsync(DEBOUNCE_MS);
    search.clear();
    expect(search.findings).toBeNull();
    expect(search.searching).toBe(false);
  });

  it('never lets the answer for older text replace a newer one', async () => {
    const slow = deferred();
    const { search } = searchWith(async (text) => (text === 'old' ? slow.promise : answer([found('new.pdf')])));
    search.input('old');
    await vi.advanceTimersByTimeAsync(DEBOUNCE_MS);
    search.input('new');
    await vi.advanceTimersByTimeAsync(DEBOUNCE_MS);
    slow.resolve(answer([found('old.pdf')]));
    await vi.advanceTimersByTimeAsync(0);
    expect(search.results.map((r) => r.name)).toEqual(['new.pdf']);
    expect(search.asked).toBe('new');
  });

  it('moves through the results with the arrows, wrapping at the ends', async () => {
    const { search } = searchWith(async () => answer([found('a.pdf'), found('b.pdf'), found('c.pdf')]));
    search.input('pdf');
    await vi.advanceTimersByTimeAsync(DEBOUNCE_MS);
    search.move(1);
    expect(search.chosen?.name).toBe('b.pdf');
    search.move(1);
    search.move(1);
    expect(search.chosen?.name).toBe('a.pdf');
    search.move(-1);
    expect(search.chosen?.name).toBe('c.pdf');
  });

  it('lists the whole bucket when asked, and says so while it does', async () => {
    const listing = deferred();
    const { core, search } = searchWith(async (_text, _tenant, refresh) => (refresh ? listing.promise : answer([])));
    search.input('scan');
    await vi.advanceTimersByTimeAsync(DEBOUNCE_MS);
    expect(search.findings?.complete_at).toBeNull();
    const done = search.searchEverywhere();
    expect(search.everywhere).toBe(true);
    expect(core.findFiles).toHaveBeenLastCalledWith('scan', null, true);
    listing.resolve(answer([found('scan-0001.pdf')], '2025-01-28T15:00:00Z'));
    await done;
    expect(search.everywhere).toBe(false);
    expect(search.results.map((r) => r.name)).toEqual(['scan-0001.pdf']);
    expect(search.findings?.complete_at).toBe('2025-01-28T15:00:00Z');
  });

  it('answers text typed during the whole-bucket listing again from the fuller index', async () => {
    const listing = deferred();
    let full = false;
    const { core, search } = searchWith(async (text, _tenant, refresh) => {
      if (refresh) return listing.promise;
      return answer(full ? [found(`${text}-1.pdf`)] : []);
    });
    search.input('sc');
    await vi.advanceTimersByTimeAsync(DEBOUNCE_MS);
    const done = search.searchEverywhere();
    search.input('scan');
    await vi.advanceTimersByTimeAsync(DEBOUNCE_MS);
    expect(search.results).toEqual([]);
    full = true;
    listing.resolve(answer([found('sc-1.pdf')], '2025-01-28T15:00:00Z'));
    await done;
    await vi.advanceTimersByTimeAsync(0);
    expect(core.findFiles).toHaveBeenLastCalledWith('scan', null, false);
    expect(search.results.map((r) => r.name)).toEqual(['scan-1.pdf']);
  });

  it('says why a search failed', async () => {
    const { search } = searchWith(async () => Promise.reject(new Error('The search index stopped')));
    search.input('inv');
    await vi.advanceTimersByTimeAsync(DEBOUNCE_MS);
    expect(search.error).toBe('The search index stopped');
    expect(search.searching).toBe(false);
  });
});
