import { beforeEach, describe, expect, it, vi } from 'vitest';

const mocks = vi.hoisted(() => ({
  appStatus: vi.fn(),
  cachedUsage: vi.fn(),
  checkProfile: vi.fn(),
  findFiles: vi.fn(),
  renameTenant: vi.fn(),
  tenantDirectory: vi.fn(),
  connect: vi.fn(),
  downloadClashes: vi.fn(),
  removeProfile: vi.fn(),
  moveObjects: vi.fn(),
  previewObject: vi.fn(),
  pickEnvFile: vi.fn(),
  shareLink: vi.fn(),
  uploadUrl: vi.fn(),
  migrationPlan: vi.fn(),
  runMigration: vi.fn(),
  cancelMigration: vi.fn(),
  addWatchedFolder: vi.fn(),
}));

// A Channel needs Tauri's runtime; this one only keeps its handler for the test to call.
vi.mock('@tauri-apps/api/core', async (original) => ({
  ...(await original<typeof import('@tauri-apps/api/core')>()),
  Channel: class {
    onmessage: (message: unknown) => void = () => {};
  },
}));

vi.mock('./bindings', () => ({
  commands: {
    appStatus: mocks.appStatus,
    cachedUsage: mocks.cachedUsage,
    checkProfile: mocks.checkProfile,
    findFiles: mocks.findFiles,
    renameTenant: mocks.renameTenant,
    tenantDirectory: mocks.tenantDirectory,
    connect: mocks.connect,
    downloadClashes: mocks.downloadClashes,
    removeProfile: mocks.removeProfile,
    moveObjects: mocks.moveObjects,
    previewObject: mocks.previewObject,
    pickEnvFile: mocks.pickEnvFile,
    shareLink: mocks.shareLink,
    uploadUrl: mocks.uploadUrl,
    migrationPlan: mocks.migrationPlan,
    runMigration: mocks.runMigration,
    cancelMigration: mocks.cancelMigration,
    addWatchedFolder: mocks.addWatchedFolder,
  },
}));

import {
  IpcFailure,
  addWatchedFolder,
  appStatus,
  cachedUsage,
  cancelMigration,
  checkProfile,
  connect,
  downloadClashes,
  errorMessage,
  findFiles,
  migrationPlan,
  moveObjects,
  pickEnvFile,
  removeProfile,
  renameTenant,
  runMigration,
  shareLink,
  tenantDirectory,
  uploadUrl,
} from './index';
import type { ConnectForm } from './index';

const form: ConnectForm = {
  name: 'r2',
  account_id: null,
  jurisdiction: null,
  endpoint: 'http://127.0.0.1:9000',
  bucket: 'b',
  public_url: null,
  access_key_id: 'AK',
  secret_access_key: 'SK',
  allow_http: false,
};

beforeEach(() => {
  vi.clearAllMocks();
});

describe('command wrappers', () => {
  it('return the data of an ok result', async () => {
    const report = { ok: true, summary: 'All good', steps: [] };
    mocks.connect.mockResolvedValue({ status: 'ok', data: report });
    await expect(connect(form)).resolves.toEqual(report);
    expect(mocks.connect).toHaveBeenCalledWith(form, false);
  });

  // Only the Connect screen's "Save anyway" may keep a profile whose test failed.
  it('connect saves regardless of the test only when asked to', async () => {
    const report = { ok: false, summary: 'The storage didn’t accept these keys.', steps: [], code: 'invalid_credentials' };
    mocks.connect.mockResolvedValue({ status: 'ok', data: report });
    await expect(connect(form, true)).resolves.toEqual(report);
    expect(mocks.connect).toHaveBeenCalledWith(form, true);
  });

  it('throw IpcFailure carrying code and message for an error result', async () => {
    mocks.appStatus.mockResolvedValue({
      status: 'error',
      error: { code: 'keychain_unavailable', message: 'No keychain service is running.' },
    });
    const thrown = await appStatus().catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(IpcFailure);
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as IpcFailure).code).toBe('keychain_unavailable');
    expect((thrown as IpcFailure).message).toBe('No keychain service is running.');
  });

  it('accept a bare string rejection from Tauri itself', async () => {
    mocks.removeProfile.mockResolvedValue({ status: 'error', error: 'command remove_profile not found' });
    const thrown = await removeProfile('x').catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(IpcFailure);
    expect((thrown as IpcFailure).code).toBe('ipc');
    expect((thrown as IpcFailure).message).toBe('command remove_profile not found');
  });

  it('resolve to undefined for a unit command', async () => {
    mocks.removeProfile.mockResolvedValue({ status: 'ok', data: null });
    await expect(removeProfile('x')).resolves.toBeUndefined();
    expect(mocks.removeProfile).toHaveBeenCalledWith('x');
  });

  it('let plain Errors (e.g. no Tauri runtime) through unchanged', async () => {
    const boom = new TypeError('window.__TAURI_INTERNALS__ is undefined');
    mocks.appStatus.mockRejectedValue(boom);
    await expect(appStatus()).rejects.toBe(boom);
  });
});

describe('checkProfile', () => {
  it('asks the core to check the named profile and returns its report', async () => {
    const report = {
      ok: true,
      summary: 'Every operation works.',
      checks: [{ id: 'put', label: 'Upload an object', verdict: 'works', detail: null }],
      learned: { put_guard: 'works', complete_guard: 'ignored', copy_guard: 'refused', checked_at: '2026-01-01T00:00:00Z' },
    };
    mocks.checkProfile.mockResolvedValue({ status: 'ok', data: report });
    await expect(checkProfile('prod')).resolves.toEqual(report);
    expect(mocks.checkProfile).toHaveBeenCalledWith('prod');
  });

  it('throws the core’s refusal as IpcFailure, for the screen to show', async () => {
    mocks.checkProfile.mockResolvedValue({ status: 'error', error: { code: 'not_found', message: 'There is no connection named “prod”.' } });
    const thrown = await checkProfile('prod').catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(IpcFailure);
    expect((thrown as IpcFailure).code).toBe('not_found');
  });
});

describe('object commands', () => {
  it('move passes the cross-tenant consent through and surfaces the refusal code', async () => {
    mocks.moveObjects.mockResolvedValue({ status: 'error', error: { code: 'invalid', message: 'different tenants' } });
    const thrown = await moveObjects(['acme/images/a.jpg'], 'globex/images/', false).catch((e: unknown) => e);
    expect(mocks.moveObjects).toHaveBeenCalledWith(['acme/images/a.jpg'], 'globex/images/', false);
    expect((thrown as IpcFailure).code).toBe('invalid');
  });

  it('download clashes come back as the core found them', async () => {
    const clashes = [{ key: 'acme/documents/a.pdf', local: '/home/a/Downloads/a.pdf', identical: false }];
    mocks.downloadClashes.mockResolvedValue({ status: 'ok', data: clashes });
    await expect(downloadClashes(['acme/documents/a.pdf'], '/home/a/Downloads')).resolves.toEqual(clashes);
    expect(mocks.downloadClashes).toHaveBeenCalledWith(['acme/documents/a.pdf'], '/home/a/Downloads');
  });

  it('a download name travels as a typed choice, none as a plain download', async () => {
    mocks.shareLink.mockResolvedValue({ status: 'ok', data: { id: 1 } });
    await shareLink('acme/documents/a.pdf', 3600, 'Receipt.pdf');
    expect(mocks.shareLink).toHaveBeenLastCalledWith('acme/documents/a.pdf', 3600, { kind: 'download_as', name: 'Receipt.pdf' }, null);
    await shareLink('acme/documents/a.pdf', 3600, null, 'for the auditor');
    expect(mocks.shareLink).toHaveBeenLastCalledWith('acme/documents/a.pdf', 3600, { kind: 'download' }, 'for the auditor');
  });

  it('an upload URL keeps the seed contract as the app receives it', async () => {
    const response = {
      success: true,
      upload_url: 'https://r2.example/acme/documents/x.pdf?X-Amz-Signature=s',
      method: 'PUT',
      headers: { 'Content-Type': 'application/pdf' },
      object_key: 'acme/documents/x.pdf',
      expires_at: '2026-12-01T04:00:00Z',
      public_url: null,
    };
    mocks.uploadUrl.mockResolvedValue({ status: 'ok', data: { id: 7, response } });
    const reply = await uploadUrl('acme', 'x.pdf', 'application/pdf', 'documents', 3600);
    expect(mocks.uploadUrl).toHaveBeenCalledWith({
      tenant: 'acme',
      file_name: 'x.pdf',
      content_type: 'application/pdf',
      category: 'documents',
      expires_secs: 3600,
      note: null,
    });
    expect(reply.id).toBe(7);
    expect(reply.url).toBe(response.upload_url);
    expect(reply.object_key).toBe('acme/documents/x.pdf');
    expect(JSON.parse(reply.json)).toEqual(response);
    expect(reply.json).toContain('\n  "success": true');
  });
});

describe('errorMessage', () => {
  it('prefers the message over the code', () => {
    expect(errorMessage(new IpcFailure({ code: 'not_found', message: 'No profile named x.' }))).toBe(
      'No profile named x.',
    );
  });

  it('falls back to a sentence for shapeless errors', () => {
    expect(errorMessage(undefined)).toMatch(/went wrong/);
    expect(errorMessage('plain text')).toBe('plain text');
  });
});

describe('pickEnvFile', () => {
  it("returns the path the shell's dialog chose", async () => {
    mocks.pickEnvFile.mockResolvedValue({ status: 'ok', data: '/home/me/project/.env' });
    await expect(pickEnvFile()).resolves.toBe('/home/me/project/.env');
  });

  it('returns null when the dialog is cancelled', async () => {
    mocks.pickEnvFile.mockResolvedValue({ status: 'ok', data: null });
    await expect(pickEnvFile()).resolves.toBeNull();
  });
});

describe('tenants, usage and search', () => {
  it('the directory comes back as the core lists it, names included', async () => {
    const list = [{ id: 'acme', name: 'Acme Corporation', has_files: true }];
    mocks.tenantDirectory.mockResolvedValue({ status: 'ok', data: list });
    await expect(tenantDirectory()).resolves.toEqual(list);
  });

  it('a rename sends the id and the name, and surfaces a refusal', async () => {
    mocks.renameTenant.mockResolvedValue({ status: 'error', error: { code: 'invalid', message: 'no tenant “acme”' } });
    const thrown = await renameTenant('acme', '').catch((e: unknown) => e);
    expect(mocks.renameTenant).toHaveBeenCalledWith('acme', '');
    expect((thrown as IpcFailure).message).toBe('no tenant “acme”');
  });

  it('the cached report is null when none was made, for the whole bucket', async () => {
    mocks.cachedUsage.mockResolvedValue({ status: 'ok', data: null });
    await expect(cachedUsage(null, 250)).resolves.toBeNull();
    expect(mocks.cachedUsage).toHaveBeenCalledWith(null, 250);
  });

  it('a search passes the text, the scope and whether to list the bucket first', async () => {
    const findings = { results: [], truncated: false, indexed: 0, complete_at: null };
    mocks.findFiles.mockResolvedValue({ status: 'ok', data: findings });
    await expect(findFiles('inv', null, true)).resolves.toEqual(findings);
    expect(mocks.findFiles).toHaveBeenCalledWith('inv', null, true);
  });
});

describe('migration', () => {
  const tally = { objects: 0, bytes: 0 };
  const plan = { source: tally, to_copy: tally, already_there: tally, conflicts: [], estimated_seconds: 0, estimate_basis: '' };

  it('asks for a plan between two profiles, under a prefix', async () => {
    mocks.migrationPlan.mockResolvedValue({ status: 'ok', data: plan });
    await expect(migrationPlan('aws-archive', 'oasys-prod', 'acme/', false)).resolves.toEqual(plan);
    expect(mocks.migrationPlan).toHaveBeenCalledWith('aws-archive', 'oasys-prod', 'acme/', false);
  });

  it('a run hands each progress message to the caller and resolves with the report', async () => {
    const progress = { done: { objects: 1, bytes: 10 }, total: { objects: 2, bytes: 20 }, failed: 0, last_key: 'acme/a.pdf' };
    const report = { plan, copied: tally, checked_bytes_only: 0, already_there: tally, failed: [], not_started: tally, seconds: 1 };
    mocks.runMigration.mockImplementation(async (_f, _t, _p, _o, channel: { onmessage: (m: unknown) => void }) => {
      channel.onmessage(progress);
      return { status: 'ok', data: report };
    });
    const heard: unknown[] = [];
    await expect(runMigration('aws-archive', 'oasys-prod', '', true, (p) => heard.push(p))).resolves.toEqual(report);
    expect(mocks.runMigration).toHaveBeenCalledWith('aws-archive', 'oasys-prod', '', true, expect.anything());
    expect(heard).toEqual([progress]);
  });

  it('a refused run throws the core’s words', async () => {
    mocks.runMigration.mockResolvedValue({ status: 'error', error: { code: 'invalid', message: "'a' and 'b' name the same bucket" } });
    const thrown = await runMigration('a', 'b', '', false, () => {}).catch((e: unknown) => e);
    expect((thrown as IpcFailure).code).toBe('invalid');
    expect(errorMessage(thrown)).toBe("'a' and 'b' name the same bucket");
  });

  it('Stop says whether a run was going to stop', async () => {
    mocks.cancelMigration.mockResolvedValueOnce({ status: 'ok', data: true }).mockResolvedValueOnce({ status: 'ok', data: false });
    await expect(cancelMigration()).resolves.toBe(true);
    await expect(cancelMigration()).resolves.toBe(false);
    expect(mocks.cancelMigration).toHaveBeenCalledWith();
  });
});

describe('watched folders', () => {
  // null tells the core that each first-level subfolder is a tenant.
  it('a folder of client folders is added with no tenant', async () => {
    const row = { path: '/home/a/Clients', name: 'Clients', tenant: 'one tenant per subfolder', per_subfolder: true };
    mocks.addWatchedFolder.mockResolvedValue({ status: 'ok', data: row });
    await expect(addWatchedFolder('/home/a/Clients', null, 'auto', 'keep')).resolves.toEqual(row);
    expect(mocks.addWatchedFolder).toHaveBeenCalledWith('/home/a/Clients', null, 'auto', 'keep');
  });
});
