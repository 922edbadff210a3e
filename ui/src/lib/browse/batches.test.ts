import { describe, expect, it, vi } from 'vitest';
import type { BatchSummary, TransferUpdate } from '../ipc';
import { Batches, type Core } from './batches';
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
      else onEvent({ event: 'finished', direction: 'upload', batch, id, key, local, size: 1 });
    });
    return answer;
  };
  return {
    uploadFiles: vi.fn<Core['uploadFiles']>(async (paths, _tenant, _category, onEvent) => run(paths, onEvent)),
    downloadObjects: vi.fn<Core['downloadObjects']>(async (keys, _dir, onEvent) => run(keys, onEvent)),
    pickFolder: vi.fn<Core['pickFolder']>().mockResolvedValue('/home/a/Downloads'),
  };
}

describe('Batches', () => {
  it('says how many files went where', async () => {
    const core = fakeCore(summary(1, 2), summary(2, 1));
    const batches = new Batches(new Transfers(), core);
    expect(await batches.upload(['a.pdf', 'b.pdf'], 'acme', 'auto')).toEqual({ toast: 'Uploaded 2 files to acme' });
    expect(await batches.download(['acme/documents/a.pdf'])).toEqual({ toast: 'Downloaded 1 file to /home/a/Downloads' });
    expect(core.downloadObjects).toHaveBeenCalledWith(['acme/documents/a.pdf'], '/home/a/Downloads', expect.any(Function));
  });

  it('keeps failures on screen with the first reason', async () => {
    const batches = new Batches(new Transfers(), fakeCore(summary(1, 0, ['a.pdf', 'b.pdf'])));
    expect(await batches.upload(['a.pdf', 'b.pdf'], 'acme', 'images')).toEqual({ error: '2 uploads failed: disk full' });
  });

  it('downloads nothing when there is nothing selected or the picker was cancelled', async () => {
    const core = fakeCore();
    const batches = new Batches(new Transfers(), core);
    expect(await batches.download([])).toBeNull();
    core.pickFolder.mockResolvedValueOnce(null);
    expect(await batches.download(['acme/documents/a.pdf'])).toBeNull();
    expect(core.pickFolder).toHaveBeenCalledTimes(1);
    expect(core.downloadObjects).not.toHaveBeenCalled();
  });

  it('says what the core said when a batch could not start', async () => {
    const core = fakeCore();
    core.uploadFiles.mockRejectedValueOnce(new Error('Not connected'));
    const batches = new Batches(new Transfers(), core);
    expect(await batches.upload(['a.pdf'], 'acme', 'auto')).toEqual({ error: 'Not connected' });
  });

  it('runs a batch’s failed uploads again into the same tenant and category', async () => {
    const core = fakeCore(summary(1, 1, ['b.pdf']), summary(2, 1));
    const transfers = new Transfers();
    const batches = new Batches(transfers, core);
    await batches.upload(['a.pdf', 'b.pdf'], 'acme', 'images');
    const retried = await batches.retry(1);
    expect(retried).toEqual({ run: { kind: 'upload', tenant: 'acme', category: 'images' }, outcome: { toast: 'Retried 1 file' } });
    expect(core.uploadFiles).toHaveBeenLastCalledWith(['/home/a/b.pdf'], 'acme', 'images', expect.any(Function));
  });

  it('resumes failed downloads into the same folder, and says when they fail again', async () => {
    const core = fakeCore(summary(1, 0, ['acme/a.pdf']), summary(2, 0, ['acme/a.pdf']));
    const batches = new Batches(new Transfers(), core);
    await batches.download(['acme/a.pdf']);
    const retried = await batches.retry(1);
    expect(retried?.outcome).toEqual({ error: '1 still failed: disk full' });
    expect(core.downloadObjects).toHaveBeenLastCalledWith(['acme/a.pdf'], '/home/a/Downloads', expect.any(Function));
  });

  it('has nothing to retry for a batch it did not run or that had no failures', async () => {
    const batches = new Batches(new Transfers(), fakeCore(summary(1, 1)));
    expect(await batches.retry(7)).toBeNull();
    await batches.upload(['a.pdf'], 'acme', 'auto');
    expect(await batches.retry(1)).toBeNull();
  });
});
