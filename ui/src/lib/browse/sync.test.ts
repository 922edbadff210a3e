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

import { Sync, folderTone, pushActivity, type FileActivity } from './sync.svelte';

const item = (id: number, path: string, state = 'pending'): FileActivity => ({ id, folder: '/r', path, state, key: null, message: null, at: id });

const folder = (over: Partial<WatchedFolderRow> = {}): WatchedFolderRow => ({
  path: '/home/a/Receipts',
  name: 'Receipts',
  tenant: 'acme',
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
  const engine = (status: string, message: string | null = null): SyncUpdate => ({ event: 'folder', folder: '', status, message });

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
