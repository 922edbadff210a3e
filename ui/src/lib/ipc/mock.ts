// A fake core for working on the window in a plain browser (`npm run dev`, then
// open /?mock). Development only: main.ts loads it behind import.meta.env.DEV.
// Query flags: ?mock&returning (profiles exist), ?mock&nokeychain.
// A secret of "wrong" fails the credentials step; a bucket of "readonly" fails write;
// a bucket of "error" makes the command itself fail with an IpcError; Connect's "Save anyway"
// saves whatever the test said. "Check everything" finds one guard ignored and one refused, and
// fails only for a profile that does not exist. A download meets a file already in the folder when the object's
// name has "taken" in it (a different file) or "same" (one with its content). With ?returning the
// window opens on a demo bucket (./mock-bucket.ts) to browse, search and see the Usage view, and
// with an S3 connection ("aws-archive") to migrate from (./mock-migration.ts).

import { mockIPC } from '@tauri-apps/api/mocks';
import type { AppStatus, Check, Clash, ConnectForm, ConnectionReport, DeepReport, ProfileSummary } from './index';
import { bucketCommand } from './mock-bucket';
import { migrationCommand } from './mock-migration';

const DELAY_MS = 700;

function report(form: Pick<ConnectForm, 'secret_access_key' | 'bucket'>): ConnectionReport {
  const badSecret = form.secret_access_key === 'wrong';
  const readOnly = form.bucket === 'readonly';
  const steps: ConnectionReport['steps'] = [
    { id: 'reach', label: 'Reach the endpoint', status: 'ok', detail: 'Answered in 84 ms.' },
    badSecret
      ? { id: 'credentials', label: 'Check the credentials', status: 'failed', detail: 'The secret access key does not match this access key ID. Copy it again from the dashboard.' }
      : { id: 'credentials', label: 'Check the credentials', status: 'ok', detail: null },
    badSecret
      ? { id: 'bucket', label: 'Open the bucket', status: 'skipped', detail: 'Skipped because the credentials failed.' }
      : { id: 'bucket', label: 'Open the bucket', status: 'ok', detail: `Bucket “${form.bucket}” exists.` },
    badSecret
      ? { id: 'write', label: 'Write permission', status: 'skipped', detail: null }
      : readOnly
        ? { id: 'write', label: 'Write permission', status: 'failed', detail: 'This key can read but not write. Give it “Object Read & Write”.' }
        : { id: 'write', label: 'Write permission', status: 'ok', detail: 'Wrote and deleted a test object.' },
  ];
  const ok = steps.every((step) => step.status === 'ok');
  return { ok, summary: ok ? 'Connected: Cubby can read and write this bucket.' : 'Cubby cannot use this bucket yet.', steps, code: ok ? null : 'wrong_secret' };
}

// The real check writes about 10 MiB and takes seconds; the window's busy state should be seen.
const DEEP_CHECK_MS = 2500;

function deepReport(): DeepReport {
  const works = (id: Check['id'], label: string): Check => ({ id, label, verdict: 'works', detail: null });
  const checks: Check[] = [
    works('put', 'Upload an object'),
    works('content_md5', 'Checksum on upload (Content-MD5)'),
    works('put_guard', 'Upload only if new (If-None-Match: *)'),
    works('multipart', 'Multipart upload of a large file'),
    {
      id: 'complete_guard',
      label: 'Finish a multipart upload only if new',
      verdict: 'ignored',
      detail: 'the server replaced an existing object although If-None-Match: * was sent',
    },
    works('part_head', 'Read one part’s size'),
    works('ranged_get', 'Download part of an object (Range)'),
    works('if_match', 'Download only the version listed (If-Match)'),
    {
      id: 'copy_guard',
      label: 'Copy only if the target is new',
      verdict: 'refused',
      detail: 'the server answered 501 NotImplemented to If-None-Match on CopyObject',
    },
    works('delete_many', 'Delete several objects at once'),
    works('presigned_get', 'Share link (presigned GET)'),
    works('presigned_put', 'Upload URL (presigned PUT)'),
    works('cors', 'Browser access (CORS)'),
  ];
  return {
    ok: true,
    summary: 'Every operation Cubby needs works here; it adapts to 2 the server handles its own way.',
    checks,
    learned: { put_guard: 'works', complete_guard: 'ignored', copy_guard: 'refused', checked_at: new Date().toISOString() },
  };
}

function clashes(keys: string[], dir: string): Clash[] {
  return keys.flatMap((key): Clash[] => {
    const name = key.split('/').pop() ?? key;
    const local = `${dir.replace(/[\\/]+$/, '')}/${name}`;
    if (name.includes('same')) return [{ key, local, identical: true }];
    if (name.includes('taken')) return [{ key, local, identical: false }];
    return [];
  });
}

export function installMockCore(flags: URLSearchParams): void {
  const sandbox: ProfileSummary = {
    name: 'sandbox',
    kind: 'sandbox',
    endpoint: 'http://127.0.0.1:39123',
    bucket: 'cubby-sandbox',
    public_url: null,
    is_default: false,
  };
  let profiles: ProfileSummary[] = flags.has('returning')
    ? [
        { name: 'oasys-prod', kind: 'r2', endpoint: 'https://0123456789abcdef0123456789abcdef.r2.cloudflarestorage.com', bucket: 'oasys-prod', public_url: null, is_default: true },
        { name: 'aws-archive', kind: 's3', endpoint: 'https://s3.eu-west-1.amazonaws.com', bucket: 'oasys-archive-2019', public_url: null, is_default: false },
        sandbox,
      ]
    : [];
  let firstRun = profiles.length === 0;

  const save = (profile: ProfileSummary): ProfileSummary => {
    profiles = [...profiles.filter((p) => p.name !== profile.name).map((p) => ({ ...p, is_default: false })), { ...profile, is_default: true }];
    firstRun = false;
    return profile;
  };
  const makeDefault = (name: string): ProfileSummary => {
    const found = profiles.find((p) => p.name === name);
    if (!found) throw { code: 'not_found', message: `There is no connection named “${name}”.` };
    profiles = profiles.map((p) => ({ ...p, is_default: p.name === name }));
    return { ...found, is_default: true };
  };
  const status = (): AppStatus => ({
    version: '0.1.0-mock',
    profiles,
    active: profiles.find((p) => p.is_default) ?? null,
    first_run: firstRun,
    keychain: flags.has('nokeychain')
      ? { available: false, detail: 'org.freedesktop.secrets: no Secret Service is running on this session bus.' }
      : { available: true, detail: null },
    open: null,
  });

  mockIPC(async (cmd, payload) => {
    // Search answers from an index on disk: quickly, as the real one does.
    await new Promise((resolve) => setTimeout(resolve, cmd === 'app_status' ? 150 : cmd === 'find_files' ? 80 : DELAY_MS));
    const args = (payload ?? {}) as Record<string, unknown>;
    switch (cmd) {
      case 'app_status':
        return status();
      case 'test_connection':
        return report(args.form as ConnectForm);
      case 'connect': {
        const form = args.form as ConnectForm;
        if (form.bucket === 'error') {
          throw { code: 'keychain_unavailable', message: 'The system keychain refused to store the secret: no Secret Service is running.' };
        }
        const result = report(form);
        if (result.ok || args.anyway === true) {
          save({
            name: form.name,
            kind: form.account_id ? 'r2' : 's3',
            endpoint: form.endpoint ?? `https://${form.account_id}.r2.cloudflarestorage.com`,
            bucket: form.bucket,
            public_url: form.public_url,
            is_default: true,
          });
        }
        return result;
      }
      case 'download_clashes':
        return clashes(args.keys as string[], args.dir as string);
      case 'plugin:dialog|open':
        return '/home/me/project/.env';
      case 'import_env':
        return save({ name: (args.name as string | null) ?? 'env', kind: 'env', endpoint: 'https://0123.r2.cloudflarestorage.com', bucket: 'from-env', public_url: null, is_default: true });
      case 'test_profile':
        return report({ secret_access_key: 'ok', bucket: 'from-env' });
      case 'check_profile':
        if (!profiles.some((p) => p.name === args.name)) throw { code: 'not_found', message: `There is no connection named “${String(args.name)}”.` };
        await new Promise((resolve) => setTimeout(resolve, DEEP_CHECK_MS));
        return deepReport();
      case 'use_profile':
        return makeDefault(args.name as string);
      case 'use_sandbox':
        return save(sandbox);
      case 'remove_profile':
        profiles = profiles.filter((p) => p.name !== args.name);
        return null;
      default: {
        let answer = await bucketCommand(cmd, args);
        // null is an answer (a command with nothing to return); undefined is "not mine".
        if (answer === undefined) answer = await migrationCommand(cmd, args);
        if (answer === undefined) throw { code: 'unknown_command', message: `The mock core has no command ${cmd}.` };
        return answer;
      }
    }
  });
}
