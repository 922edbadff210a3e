// How object keys read to people. Cubby stores uploads as
//   <tenant>/<category>/<YYYYMMDD>_<HHMMSS>_<rand6>_<original name>
// and the table shows the original name; keys outside that scheme show their
// last path segment unchanged.

const STAMPED = /^\d{8}_\d{6}_[A-Za-z0-9]{6}_(.+)$/;

/** The last segment of a key ("acme/documents/" → "documents"). */
export function baseName(key: string): string {
  const trimmed = key.replace(/\/+$/, '');
  const slash = trimmed.lastIndexOf('/');
  return slash === -1 ? trimmed : trimmed.slice(slash + 1);
}

/** The human name of an object key: the original file name when the key follows Cubby's scheme. */
export function displayName(key: string): string {
  const base = baseName(key);
  const match = STAMPED.exec(base);
  return match ? match[1] : base;
}
