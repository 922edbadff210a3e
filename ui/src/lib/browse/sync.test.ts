import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SyncUpdate, WatchedFolderRow } from '../ipc';

const core = vi.hoisted(() => ({
  onEvent: null as ((update: unknown) => void) | null,
  paused: false,
  setSyncPaused: vi.fn(async () => {}),
}));

vi.mock('../ipc', async (original) => ({
  ...(await original<typeof import('../ipc')>()),
  watchEvents: async (handler: (update: unknown) => void) => {
    core.onEvent = handler;
  },
  syncPaused: async () => core.paused,
  setSyncPaused: core.setSyncPaused,
  watchedFolders: async () => [],
}));

import { Sync, folderDestination, folderTone, folderTooltip, pushActivity, syncLine, toUpload, type FileActivity } from './sync.svelte';

const item = (id: number, path: string, state = 'pending'): FileActivity => ({ id, folder: '/r', path, state, key: null, message: null, at: id });

const folder = (over: Partial<WatchedFolderRow> = {}): WatchedFolderRow => ({
  path: '/home/a/Receipts',
  name: 'Receipts',
  tenant: 'acme',
  per_subfolder: false,
  category: 'auto',
  after_upload: 'keep',
  paused: false,
  waiting: 0,
  queued: 0,
  uploading: 0,
  uploaded: 3,
  failed: 0,
  ...over,
});

describe('pushActivity', () => {
  it('puts the newest first and replaces the same file’s older line', () => {
    let list = pushActivity([], item(1, 'a.pdf'));
    list = pushActivity(list, item(2, 'b.pdf'));
    list = pushActivity(list, item(3, 'a.pdf', 'uploaded'));
    expect(list.map((a) => [a.path, a.state])).toEqual([
      ['a.pdf', 'uploaded'],
      ['b.pdf', 'pending'],
    ]);
  });

  it('keeps at most the bound', () => {
    let list: FileActivity[] = [];
    for (let i = 0; i < 250; i++) list = pushActivity(list, item(i, `f${i}`));
    expect(list).toHaveLength(200);
    expect(list[0].path).toBe('f249');
  });
});

describe('folderTone', () => {
  it('says paused for every folder while the engine is paused', () => {
    expect(folderTone(folder({ failed: 1 }), true, true)).toBe('paused');
    expect(folderTone(folder(), false, false)).toBe('ok');
  });

  it('says paused, error, busy or ok', () => {
    expect(folderTone(folder({ paused: true, failed: 2 }), false)).toBe('paused');
    expect(folderTone(folder({ failed: 1 }), false)).toBe('error');
    expect(folderTone(folder(), true)).toBe('error');
    expect(folderTone(folder({ queued: 1 }), false)).toBe('busy');
    expect(folderTone(folder(), false)).toBe('ok');
  });
});

describe('Sync engine state', () => {
  let sync: Sync;
  const engine = (status: 'watching' | 'paused' | 'stopped', message: string | null = null): SyncUpdate => ({ event: 'engine', status, message });

  beforeEach(() => {
    core.onEvent = null;
    core.paused = false;
    core.setSyncPaused.mockClear();
    sync = new Sync();
  });

  afterEach(() => sync.stop());

  it('starts paused when the core says the app is paused', async () => {
    core.paused = true;
    await sync.start();
    expect(sync.enginePaused).toBe(true);
  });

  it('follows the engine’s paused and watching events', async () => {
    await sync.start();
    expect(sync.enginePaused).toBe(false);
    core.onEvent!(engine('paused'));
    expect(sync.enginePaused).toBe(true);
    core.onEvent!(engine('watching'));
    expect(sync.enginePaused).toBe(false);
  });

  it('keeps the engine paused when one folder reports watching', async () => {
    await sync.start();
    core.onEvent!(engine('paused'));
    core.onEvent!({ event: 'folder', folder: '/home/a/Receipts', status: 'watching', message: null });
    expect(sync.enginePaused).toBe(true);
  });

  it('clears an engine stop once the engine is watching again, and notes a new one', async () => {
    await sync.start();
    core.onEvent!(engine('stopped', 'bucket unreachable'));
    expect(sync.stopped['']).toBe('bucket unreachable');
    core.onEvent!(engine('watching'));
    expect(sync.stopped['']).toBeUndefined();
  });

  it('resumes through the core and forgets stale stops', async () => {
    core.paused = true;
    await sync.start();
    sync.stopped['/r'] = 'stopped';
    await sync.setPaused(false);
    expect(core.setSyncPaused).toHaveBeenCalledWith(false);
    expect(sync.enginePaused).toBe(false);
    expect(sync.stopped).toEqual({});
  });
});

describe('one word for files not yet uploaded', () => {
  it('counts files being written, queued and uploading as left to upload', () => {
    expect(toUpload(folder({ waiting: 1, queued: 2, uploading: 1 }))).toBe(4);
  });

  // Regression: the sidebar's number meant "failed", "pending" or "uploaded" depending on the moment.
  it('keeps every count in the sidebar tooltip, up to date with the row it is on', () => {
    expect(folderTooltip(folder(), false)).toBe('/home/a/Receipts → acme\nUp to date · 3 uploaded');
    expect(folderTooltip(folder({ waiting: 1, queued: 2, failed: 1 }), false)).toBe('/home/a/Receipts → acme\n3 queued · 3 uploaded · 1 failed');
    expect(folderTooltip(folder({ queued: 2 }), false, true)).toBe('/home/a/Receipts → acme\nPaused · 2 queued · 3 uploaded');
    expect(folderTooltip(folder(), true)).toBe('/home/a/Receipts → acme\nStopped · 3 uploaded');
  });
});

describe('a folder of client folders', () => {
  const clients = folder({ path: '/home/a/Clients', name: 'Clients', tenant: 'one tenant per subfolder', per_subfolder: true });

  // The core's "one tenant per subfolder" is no tenant's name: it must not read as one.
  it('reads as client folders where a tenant would stand', () => {
    expect(folderDestination(clients)).toBe('Client folders');
    expect(folderDestination(folder())).toBe('acme');
  });

  it('says in its tooltip that each subfolder is a tenant', () => {
    expect(folderTooltip(clients, false)).toBe('/home/a/Clients → client folders: each subfolder is a tenant\nUp to date · 3 uploaded');
  });
});

describe('syncLine', () => {
  it('says nothing while no folder is watched', () => {
    expect(syncLine([], false)).toBeNull();
  });

  it('says how sync stands across every watched folder', () => {
    expect(syncLine([folder()], false)).toEqual({ text: 'Sync up to date', tone: 'ok' });
    expect(syncLine([folder({ queued: 2 }), folder({ waiting: 1 })], false)).toEqual({ text: 'Sync: 3 queued', tone: 'busy' });
    expect(syncLine([folder({ uploading: 1, queued: 2 })], false)).toEqual({ text: 'Sync: uploading 1 · 2 queued', tone: 'busy' });
    expect(syncLine([folder({ failed: 2 })], false)).toEqual({ text: 'Sync: 2 failed', tone: 'error' });
    expect(syncLine([folder()], false, true)).toEqual({ text: 'Sync stopped', tone: 'error' });
  });

  it('says paused when the engine or every folder holds, and leaves paused folders out of the counts', () => {
    expect(syncLine([folder({ queued: 4 })], true)).toEqual({ text: 'Sync paused', tone: 'paused' });
    expect(syncLine([folder({ paused: true })], false)).toEqual({ text: 'Sync paused', tone: 'paused' });
    expect(syncLine([folder({ paused: true, queued: 4 }), folder()], false)).toEqual({ text: 'Sync up to date', tone: 'ok' });
  });
});
