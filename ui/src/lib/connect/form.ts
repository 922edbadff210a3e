// What the Connect screen holds while the user types, and how it becomes the
// ConnectForm the core expects. Pure: no IPC, no Svelte.

import type { ConnectForm } from '../ipc';

/** "r2": Cloudflare R2 addressed by account ID; "endpoint": any other S3-compatible URL. */
export type ConnectMode = 'r2' | 'endpoint';

/** R2 jurisdictions; '' means the default (no jurisdiction-specific endpoint). */
export type Jurisdiction = '' | 'eu' | 'fedramp';

export const JURISDICTIONS: ReadonlyArray<{ value: Jurisdiction; label: string }> = [
  { value: '', label: 'None (default)' },
  { value: 'eu', label: 'EU' },
  { value: 'fedramp', label: 'FedRAMP' },
];

export const DEFAULT_PROFILE_NAME = 'r2';

export interface ConnectFormState {
  mode: ConnectMode;
  name: string;
  accountId: string;
  jurisdiction: Jurisdiction;
  endpoint: string;
  bucket: string;
  publicUrl: string;
  accessKeyId: string;
  secret: string;
  /** Plain http:// to another machine, accepted by the user despite the warning. */
  allowHttp: boolean;
}

/** `base`, or `base-2`, `base-3`… when that name is already taken, so adding never replaces by accident. */
export function freeProfileName(base: string, existingNames: readonly string[]): string {
  if (!existingNames.includes(base)) return base;
  let n = 2;
  while (existingNames.includes(`${base}-${n}`)) n += 1;
  return `${base}-${n}`;
}

/**
 * The name a new profile gets until the user types one: "r2" for Cloudflare R2, otherwise a word
 * from the endpoint's host ("wasabisys" for s3.eu-central-1.wasabisys.com, "local" for this
 * machine, "s3" before there is a host), never one that is taken.
 */
export function suggestedProfileName(mode: ConnectMode, endpoint: string, existingNames: readonly string[] = []): string {
  return freeProfileName(mode === 'r2' ? DEFAULT_PROFILE_NAME : endpointWord(endpoint), existingNames);
}

function endpointWord(endpoint: string): string {
  let host: string;
  try {
    host = new URL(endpoint.trim()).hostname.toLowerCase().replace(/^\[|\]$/g, '');
  } catch {
    return 's3';
  }
  if (host === '') return 's3';
  if (host === 'localhost' || host.endsWith('.localhost') || /^[\d.]+$/.test(host) || host.includes(':')) return 'local';
  const labels = host.split('.').filter(Boolean);
  // The name people know a service by sits just before the top-level domain.
  const word = (labels.length > 1 ? labels[labels.length - 2] : labels[0] ?? '').replace(/[^a-z0-9-]/g, '');
  return word === '' ? 's3' : word;
}

export function emptyFormState(existingNames: readonly string[] = []): ConnectFormState {
  return {
    mode: 'r2',
    name: freeProfileName(DEFAULT_PROFILE_NAME, existingNames),
    accountId: '',
    jurisdiction: '',
    endpoint: '',
    bucket: '',
    publicUrl: '',
    accessKeyId: '',
    secret: '',
    allowHttp: false,
  };
}

/**
 * True for an http:// endpoint on another machine: files, signed links and the checksums
 * Cubby verifies would cross the network unencrypted. This machine (127.x, ::1, localhost)
 * is exempt, as in the core.
 */
export function isRemotePlainHttp(endpoint: string): boolean {
  let url: URL;
  try {
    url = new URL(endpoint.trim());
  } catch {
    return false;
  }
  if (url.protocol !== 'http:') return false;
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  const loopback = /^127\.\d+\.\d+\.\d+$/.test(host) || host === '::1' || host === 'localhost' || host.endsWith('.localhost');
  return !loopback;
}

function optional(value: string): string | null {
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

/**
 * Builds the wire form: every value trimmed (pasted keys often carry a trailing
 * newline), empty optional fields as null, and only the fields of the chosen mode
 * filled in, so the core never has to guess between account ID and endpoint.
 */
export function buildConnectForm(state: ConnectFormState): ConnectForm {
  const r2 = state.mode === 'r2';
  return {
    name: state.name.trim(),
    account_id: r2 ? optional(state.accountId) : null,
    jurisdiction: r2 ? optional(state.jurisdiction) : null,
    endpoint: r2 ? null : optional(state.endpoint)?.replace(/\/+$/, '') ?? null,
    bucket: state.bucket.trim(),
    public_url: optional(state.publicUrl)?.replace(/\/+$/, '') ?? null,
    access_key_id: state.accessKeyId.trim(),
    secret_access_key: state.secret.trim(),
    allow_http: !r2 && state.allowHttp && isRemotePlainHttp(state.endpoint),
  };
}
