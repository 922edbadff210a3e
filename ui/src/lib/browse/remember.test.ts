import { describe, expect, it } from 'vitest';
import { placeOf, recall, remember, type Store } from './remember';

function memoryStore(): Store & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v) };
}

describe('remember and recall', () => {
  it('reopens where each profile was left', () => {
    const store = memoryStore();
    remember(store, 'prod', { folder: 'acme/documents/' });
    remember(store, 'prod', { open: ['acme', 'globex'] });
    remember(store, 'sandbox', { folder: 'demo/' });
    expect(recall(store, 'prod')).toEqual({ folder: 'acme/documents/', open: ['acme', 'globex'] });
    expect(recall(store, 'sandbox')).toEqual({ folder: 'demo/', open: [] });
  });

  it('starts at the bucket’s root when nothing, or nothing usable, was kept', () => {
    const store = memoryStore();
    expect(recall(store, 'prod')).toEqual({ folder: '', open: [] });
    store.data.set('cubby.place.prod', '{not json');
    expect(recall(store, 'prod')).toEqual({ folder: '', open: [] });
    store.data.set('cubby.place.prod', JSON.stringify({ folder: '../etc', open: ['acme', 3, ''] }));
    expect(recall(store, 'prod')).toEqual({ folder: '', open: ['acme'] });
    expect(recall(null, 'prod')).toEqual({ folder: '', open: [] });
  });

  it('shrugs off a store that refuses to write', () => {
    const full: Store = { getItem: () => null, setItem: () => { throw new Error('QuotaExceededError'); } };
    expect(() => remember(full, 'prod', { folder: 'acme/' })).not.toThrow();
    expect(() => remember(null, 'prod', { folder: 'acme/' })).not.toThrow();
  });
});

describe('placeOf', () => {
  it('tells profiles apart by bucket and endpoint too, not by name alone', () => {
    const sandbox = { name: 'sandbox', endpoint: 'http://127.0.0.1:39123', bucket: 'cubby-sandbox' };
    expect(placeOf(sandbox)).not.toBe(placeOf({ ...sandbox, endpoint: 'http://127.0.0.1:40000' }));
    expect(placeOf(sandbox)).not.toBe(placeOf({ ...sandbox, bucket: 'other' }));
    expect(placeOf(sandbox)).toBe(placeOf({ ...sandbox }));
  });
});
