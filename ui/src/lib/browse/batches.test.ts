import { describe, expect, it, vi } from 'vitest';
import type { BatchSummary, Clash, TransferUpdate } from '../ipc';
import { Batches, type Core } from './batches';
import type { AskClash, ClashChoice } from './clashes';
import { Transfers } from './transfers.svelte';

const summary = (batch: number, done: number, failed: string[] = []): BatchSummary => ({
  batch,
  done,
  bytes: 0,
  failed: failed.map((item) => ({ item, code: 'io', message: 'disk full' })),
  cancelled: false,
});

/** Each upload or download reports its items queued, then failed (those the answer names) or finished. */
function fakeCore(...answers: BatchSummary[]) {
  const run = (items: string[], onEvent: (u: TransferUpdate) => void): BatchSummary => {
    const answer = answers.shift()!;
    const { batch } = answer;
    onEvent({ event: 'queued', batch, direction: 'upload', items: items.map((key) => ({ key, local: `/home/a/${key}`, size: 1 })) });
    items.forEach((key, id) => {
      const failure = answer.failed.find((f) => f.item === key);
      const local = `/home/a/${key}`;
      if (failure) onEvent({ event: 'failed', direction: 'upload', batch, id, key, local, code: failure.code, message: failure.message });
      else onEvent({ event: 'finished', direction: 'upload', batch, id, key, local, size: 1, note: null });
    });
    return answer;
  };
  return {
    uploadFiles: vi.fn<Core['uploadFiles']>(async (paths, _tenant, _category, onEvent) => run(paths, onEvent)),
    downloadObjects: vi.fn<Core['downloadObjects']>(async (keys, _dir, _replace, onEvent) => run(keys, onEvent)),
    downloadClashes: vi.fn<Core['downloadClashes']>().mockResolvedValue([]),
    pickFolder: vi.fn<Core['pickFolder']>().mockResolvedValue('/home/a/Downloads'),
  };
}

/** The clash question, answered with `choice`; it records what it was asked. */
const answering = (choice: ClashChoice | null) => vi.fn<AskClash>().mockResolvedValue(choice);

const clash = (key: string, identical = false): Clash => ({ key, local: `/home/a/Downloads/${key.split('/').pop()}`, identical });

describe('Batches', () => {
  it('says how many files went where', async () => {
    const core = fakeCore(summary(1, 2), summary(2, 1));
    const ask = answering('replace');
    const batches = new Batches(new Transfers(), ask, core);
    expect(await batches.upload(['a.pdf', 'b.pdf'], 'acme', 'auto')).toEqual({ toast: 'Uploaded 2 files to acme' });
    expect(await batches.download(['acme/documents/a.pdf'])).toEqual({ toast: 'Downloaded 1 file to /home/a/Downloads' });
    // Nothing in the folder: no question, and nothing may be overwritten.
    expect(core.downloadClashes).toHaveBeenCalledWith(['acme/documents/a.pdf'], '/home/a/Downloads');
    expect(ask).not.toHaveBeenCalled();
    expect(core.downloadObjects).toHaveBeenCalledWith(['acme/documents/a.pdf'], '/home/a/Downloads', false, expect.any(Function));
  });

  it('keeps failures on screen with the first reason', async () => {
    const batches = new Batches(new Transfers(), answering(null), fakeCore(summary(1, 0, ['a.pdf', 'b.pdf'])));
    expect(await batches.upload(['a.pdf', 'b.pdf'], 'acme', 'images')).toEqual({ error: '2 uploads failed: disk full' });
  });

  it('downloads nothing when there is nothing selected or the picker was cancelled', async () => {
    const core = fakeCore();
    const batches = new Batches(new Transfers(), answering('keep-both'), core);
    expect(await batches.download([])).toBeNull();
    core.pickFolder.mockResolvedValueOnce(null);
    expect(await batches.download(['acme/documents/a.pdf'])).toBeNull();
    expect(core.pickFolder).toHaveBeenCalledTimes(1);
    expect(core.downloadObjects).not.toHaveBeenCalled();
  });

  it('says what the core said when a batch could not start', async () => {
    const core = fakeCore();
    core.uploadFiles.mockRejectedValueOnce(new Error('Not connected'));
    const batches = new Batches(new Transfers(), answering(null), core);
    expect(await batches.upload(['a.pdf'], 'acme', 'auto')).toEqual({ error: 'Not connected' });
  });

  it('runs a batch’s failed uploads again into the same tenant and category', async () => {
    const core = fakeCore(summary(1, 1, ['b.pdf']), summary(2, 1));
    const transfers = new Transfers();
    const batches = new Batches(transfers, answering(null), core);
    await batches.upload(['a.pdf', 'b.pdf'], 'acme', 'images');
    const retried = await batches.retry(1);
    expect(retried).toEqual({ run: { kind: 'upload', tenant: 'acme', category: 'images' }, outcome: { toast: 'Retried 1 file' } });
    expect(core.uploadFiles).toHaveBeenLastCalledWith(['/home/a/b.pdf'], 'acme', 'images', expect.any(Function));
  });

  it('resumes failed downloads into the same folder, and says when they fail again', async () => {
    const core = fakeCore(summary(1, 0, ['acme/a.pdf']), summary(2, 0, ['acme/a.pdf']));
    const batches = new Batches(new Transfers(), answering(null), core);
    await batches.download(['acme/a.pdf']);
    const retried = await batches.retry(1);
    expect(retried?.outcome).toEqual({ error: '1 still failed: disk full' });
    expect(core.downloadObjects).toHaveBeenLastCalledWith(['acme/a.pdf'], '/home/a/Downloads', false, expect.any(Function));
  });

  // A retry must not quietly turn "Replace" into " (1)" copies, or the other way round.
  it('resumes failed downloads with the answer the batch was given', async () => {
    const core = fakeCore(summary(1, 0, ['acme/a.pdf']), summary(2, 1));
    core.downloadClashes.mockResolvedValueOnce([clash('acme/a.pdf')]);
    const batches = new Batches(new Transfers(), answering('replace'), core);
    await batches.download(['acme/a.pdf']);
    await batches.retry(1);
    expect(core.downloadObjects).toHaveBeenLastCalledWith(['acme/a.pdf'], '/home/a/Downloads', true, expect.any(Function));
  });

  it('has nothing to retry for a batch it did not run or that had no failures', async () => {
    const batches = new Batches(new Transfers(), answering(null), fakeCore(summary(1, 1)));
    expect(await batches.retry(7)).toBeNull();
    await batches.upload(['a.pdf'], 'acme', 'auto');
    expect(await batches.retry(1)).toBeNull();
  });
});

describe('Batches.download into a folder that has files of the same names', () => {
  const keys = ['acme/documents/a.pdf', 'acme/documents/b.pdf', 'acme/images/c.jpg'];

  it('asks once for the batch, naming the folder and the files that differ', async () => {
    const core = fakeCore(summary(1, 3));
    core.downloadClashes.mockResolvedValueOnce([clash(keys[0]), clash(keys[1]), clash(keys[2], true)]);
    const ask = answering('keep-both');
    await new Batches(new Transfers(), ask, core).download(keys);
    expect(ask).toHaveBeenCalledTimes(1);
    expect(ask).toHaveBeenCalledWith({ dir: '/home/a/Downloads', folder: 'Downloads', differing: [clash(keys[0]), clash(keys[1])], identical: 1 });
  });

  it('Replace downloads every file over the ones there', async () => {
    const core = fakeCore(summary(1, 3));
    core.downloadClashes.mockResolvedValueOnce([clash(keys[0])]);
    expect(await new Batches(new Transfers(), answering('replace'), core).download(keys)).toEqual({ toast: 'Downloaded 3 files to /home/a/Downloads' });
    expect(core.downloadObjects).toHaveBeenCalledWith(keys, '/home/a/Downloads', true, expect.any(Function));
  });

  it('Keep both downloads every file next to the ones there', async () => {
    const core = fakeCore(summary(1, 3));
    core.downloadClashes.mockResolvedValueOnce([clash(keys[0])]);
    await new Batches(new Transfers(), answering('keep-both'), core).download(keys);
    expect(core.downloadObjects).toHaveBeenCalledWith(keys, '/home/a/Downloads', false, expect.any(Function));
  });

  it('Skip downloads only the others and says how many it skipped', async () => {
    const core = fakeCore(summary(1, 1));
    core.downloadClashes.mockResolvedValueOnce([clash(keys[0]), clash(keys[2])]);
    const outcome = await new Batches(new Transfers(), answering('skip'), core).download(keys);
    expect(core.downloadObjects).toHaveBeenCalledWith([keys[1]], '/home/a/Downloads', false, expect.any(Function));
    expect(outcome).toEqual({ toast: 'Downloaded 1 file to /home/a/Downloads · skipped 2 already there' });
  });

  it('Skip with nothing left downloads nothing and says so', async () => {
    const core = fakeCore();
    core.downloadClashes.mockResolvedValueOnce([clash(keys[0]), clash(keys[1])]);
    const outcome = await new Batches(new Transfers(), answering('skip'), core).download(keys.slice(0, 2));
    expect(core.downloadObjects).not.toHaveBeenCalled();
    expect(outcome).toEqual({ toast: 'Nothing downloaded: skipped 2 files already in Downloads' });
  });

  it('Cancel downloads nothing and says nothing', async () => {
    const core = fakeCore();
    core.downloadClashes.mockResolvedValueOnce([clash(keys[0])]);
    expect(await new Batches(new Transfers(), answering(null), core).download(keys)).toBeNull();
    expect(core.downloadObjects).not.toHaveBeenCalled();
  });

  // The core skips a file that already holds the object's content by itself.
  it('does not ask when every file there is identical', async () => {
    const core = fakeCore(summary(1, 3));
    core.downloadClashes.mockResolvedValueOnce([clash(keys[0], true), clash(keys[1], true)]);
    const ask = answering('replace');
    await new Batches(new Transfers(), ask, core).download(keys);
    expect(ask).not.toHaveBeenCalled();
    expect(core.downloadObjects).toHaveBeenCalledWith(keys, '/home/a/Downloads', false, expect.any(Function));
  });

  it('says what the core said when it could not look in the folder', async () => {
    const core = fakeCore();
    core.downloadClashes.mockRejectedValueOnce(new Error('Not connected'));
    const ask = answering('replace');
    expect(await new Batches(new Transfers(), ask, core).download(keys)).toEqual({ error: 'Not connected' });
    expect(ask).not.toHaveBeenCalled();
    expect(core.downloadObjects).not.toHaveBeenCalled();
  });
});
