import { describe, expect, it, vi } from 'vitest';
import { IpcFailure } from '../ipc';
import { Attempt } from './attempt.svelte';
import { CANT_REACH } from './offline';

describe('Attempt', () => {
  it('is busy while the request runs, and clears the last refusal when it starts', async () => {
    const attempt = new Attempt();
    attempt.error = 'name taken';
    let release: () => void = () => {};
    const running = attempt.run(() => new Promise<void>((resolve) => (release = resolve)));
    expect(attempt.busy).toBe(true);
    expect(attempt.error).toBeNull();
    release();
    await running;
    expect(attempt.busy).toBe(false);
    expect(attempt.error).toBeNull();
  });

  it('keeps a refusal in the core’s words, then lets the dialog put the focus back', async () => {
    const attempt = new Attempt();
    const onfail = vi.fn(() => expect(attempt.error).toBe('A file named b.pdf is already in this folder.'));
    await attempt.run(async () => {
      throw new IpcFailure({ code: 'conflict', message: 'A file named b.pdf is already in this folder.' });
    }, onfail);
    expect(onfail).toHaveBeenCalledTimes(1);
    expect(attempt.busy).toBe(false);
  });

  it('says plainly when storage could not be reached, and needs no onfail', async () => {
    const attempt = new Attempt();
    await attempt.run(async () => {
      throw new IpcFailure({ code: 'unreachable', message: 'dns error: no such host' });
    });
    expect(attempt.error).toMatch(new RegExp(`^${CANT_REACH}\\. Check your network connection`));
    expect(attempt.busy).toBe(false);
  });
});
