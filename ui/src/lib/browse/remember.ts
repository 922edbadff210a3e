// Where the person left off, per profile, so the window reopens there: the folder last shown and
// the tenants open in the sidebar's tree. It is this window's preference, not the bucket's data,
// so it lives in the webview's localStorage, never in the core. Anything unreadable is forgotten.

/** The part of Storage this uses, so tests can hand in a Map-backed fake. */
export type Store = Pick<Storage, 'getItem' | 'setItem'>;

export type Place = { folder: string; open: string[] };

const NOWHERE: Place = { folder: '', open: [] };
const keyOf = (profile: string) => `cubby.place.${profile}`;

/**
 * Whose place it is: the profile's name with the bucket and endpoint it points at, so a profile
 * re-created for another bucket (or a sandbox on another port) does not reopen in folders that
 * are not there.
 */
export function placeOf(profile: { name: string; endpoint: string; bucket: string }): string {
  return `${profile.name}|${profile.endpoint}|${profile.bucket}`;
}

/** The webview's localStorage, or null where there is none (server rendering, storage disabled). */
export function browserStore(): Store | null {
  try {
    return typeof window === 'undefined' ? null : window.localStorage;
  } catch {
    return null;
  }
}

// A folder is "" (the bucket) or a prefix ending in "/"; anything else did not come from here.
const isFolder = (value: unknown): value is string => typeof value === 'string' && (value === '' || value.endsWith('/'));

/** Where `profile` was left; the bucket's root with nothing open when nothing (usable) was kept. */
export function recall(store: Store | null, profile: string): Place {
  let saved: unknown;
  try {
    saved = JSON.parse(store?.getItem(keyOf(profile)) ?? 'null');
  } catch {
    return NOWHERE;
  }
  if (typeof saved !== 'object' || saved === null) return NOWHERE;
  const { folder, open } = saved as Partial<Record<keyof Place, unknown>>;
  return {
    folder: isFolder(folder) ? folder : '',
    open: Array.isArray(open) ? open.filter((t): t is string => typeof t === 'string' && t !== '') : [],
  };
}

/** Keeps `change` for `profile` over what was kept; a full or unavailable store is not an error. */
export function remember(store: Store | null, profile: string, change: Partial<Place>): void {
  if (store === null) return;
  const next = { ...recall(store, profile), ...change };
  try {
    store.setItem(keyOf(profile), JSON.stringify(next));
  } catch {
    // Quota or privacy mode: the window still works, it just will not reopen here.
  }
}
