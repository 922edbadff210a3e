import { describe, expect, it } from 'vitest';
import { folderTone, pushActivity, type FileActivity } from './sync.svelte';
import type { WatchedFolderRow } from '../ipc';

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
  it('says paused, error, busy or ok', () => {
    expect(folderTone(folder({ paused: true, failed: 2 }), false)).toBe('paused');
    expect(folderTone(folder({ failed: 1 }), false)).toBe('error');
    expect(folderTone(folder(), true)).toBe('error');
    expect(folderTone(folder({ queued: 1 }), false)).toBe('busy');
    expect(folderTone(folder(), false)).toBe('ok');
  });
});
