// Client-side checks for the Connect form: one plain-words message per field.
// Errors block Test/Connect; warnings are shown but let the user go on (the core's
// connection test is the final word). Pure: no IPC, no Svelte.

import { isRemotePlainHttp, type ConnectFormState } from './form';

export type FieldName = 'name' | 'accountId' | 'endpoint' | 'bucket' | 'publicUrl' | 'accessKeyId' | 'secret';

export interface FieldProblem {
  level: 'error' | 'warning';
  message: string;
}

export type Problems = Partial<Record<FieldName, FieldProblem>>;

/** Fields in the order they appear on screen for a mode (first error gets focus). */
export function fieldOrder(mode: ConnectFormState['mode']): FieldName[] {
  return mode === 'r2'
    ? ['accountId', 'name', 'bucket', 'publicUrl', 'accessKeyId', 'secret']
    : ['endpoint', 'name', 'bucket', 'publicUrl', 'accessKeyId', 'secret'];
}

const PROFILE_NAME = /^[A-Za-z0-9._-]+$/;
const MAX_PROFILE_NAME = 64;
const ACCOUNT_ID = /^[0-9a-f]{32}$/i;
// S3's DNS-compatible rule (what R2 enforces); other services are sometimes laxer.
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** True for an absolute http:// or https:// URL with a host. */
export function isHttpUrl(value: string): boolean {
  if (/\s/.test(value)) return false;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
}

const error = (message: string): FieldProblem => ({ level: 'error', message });
const warning = (message: string): FieldProblem => ({ level: 'warning', message });

function checkName(name: string, existingNames: readonly string[]): FieldProblem | undefined {
  if (name === '') return error('Give this connection a name, for example r2 or prod.');
  if (name.length > MAX_PROFILE_NAME) return error(`Keep the name to ${MAX_PROFILE_NAME} characters or fewer.`);
  if (!PROFILE_NAME.test(name)) return error('Use only letters, digits, dots, dashes and underscores (no spaces).');
  if (existingNames.includes(name)) {
    return warning(`A connection named “${name}” already exists; connecting replaces it.`);
  }
  return undefined;
}

function checkAccountId(accountId: string): FieldProblem | undefined {
  if (accountId === '') return error('Enter your Cloudflare account ID.');
  if (/r2\.cloudflarestorage\.com/i.test(accountId)) {
    return warning('This looks like an endpoint URL. Enter only the account ID: the part before .r2.cloudflarestorage.com.');
  }
  if (!ACCOUNT_ID.test(accountId)) {
    return warning(
      `Cloudflare account IDs are 32 hexadecimal characters; this has ${accountId.length}. You can still try it.`,
    );
  }
  return undefined;
}

function checkEndpoint(endpoint: string, allowHttp: boolean): FieldProblem | undefined {
  if (endpoint === '') return error('Enter the endpoint URL.');
  if (!isHttpUrl(endpoint)) return error('Enter a full URL starting with http:// or https://.');
  if (isRemotePlainHttp(endpoint) && !allowHttp) {
    return error('Plain http:// sends your files and links unencrypted. Use https://, or allow plain HTTP below.');
  }
  return undefined;
}

function checkBucket(bucket: string, mode: ConnectFormState['mode']): FieldProblem | undefined {
  if (bucket === '') return error('Enter the bucket name.');
  if (bucket.includes('/')) return error('Enter only the bucket name, without slashes or a path.');
  if (mode === 'r2' && bucket.includes('.')) {
    return error('R2 bucket names have no dots: lowercase letters, digits and dashes only.');
  }
  if (!BUCKET.test(bucket)) {
    return warning('Bucket names are usually 3–63 lowercase letters, digits, dots and dashes. Check the spelling.');
  }
  return undefined;
}

function checkPublicUrl(publicUrl: string): FieldProblem | undefined {
  if (publicUrl === '') return undefined;
  if (!isHttpUrl(publicUrl)) return error('Enter a full URL starting with https:// (or leave it empty).');
  if (new URL(publicUrl).hostname.toLowerCase().endsWith('.r2.dev')) {
    return warning(
      'r2.dev addresses are rate-limited and meant for testing. For links customers use, connect a custom domain to the bucket.',
    );
  }
  return undefined;
}

/**
 * Checks the form as the user would submit it (values trimmed). Only the fields
 * of the chosen mode are checked: a stale endpoint in R2 mode is ignored.
 */
export function validateConnectForm(
  state: ConnectFormState,
  existingNames: readonly string[] = [],
): Problems {
  const problems: Problems = {
    name: checkName(state.name.trim(), existingNames),
    bucket: checkBucket(state.bucket.trim(), state.mode),
    publicUrl: checkPublicUrl(state.publicUrl.trim()),
    accessKeyId: state.accessKeyId.trim() === '' ? error('Enter the access key ID.') : undefined,
    secret: state.secret.trim() === '' ? error('Enter the secret access key.') : undefined,
  };
  if (state.mode === 'r2') problems.accountId = checkAccountId(state.accountId.trim());
  else problems.endpoint = checkEndpoint(state.endpoint.trim(), state.allowHttp);

  for (const key of Object.keys(problems) as FieldName[]) {
    if (problems[key] === undefined) delete problems[key];
  }
  return problems;
}

/** The first field (in screen order) whose problem blocks submitting, if any. */
export function firstError(problems: Problems, mode: ConnectFormState['mode']): FieldName | null {
  return fieldOrder(mode).find((field) => problems[field]?.level === 'error') ?? null;
}
