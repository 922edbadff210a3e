import { describe, expect, it } from 'vitest';
import type { FileEntry, ProfileSummary } from '../ipc';
import type { ClashQuestion } from './clashes';
import { Dialogs } from './dialogs.svelte';

const file: FileEntry = { key: 'acme/documents/20250127_123456_abc123_a.pdf', name: 'a.pdf', size: 1, modified: null, content_type: 'application/pdf' };

describe('Dialogs', () => {
  it('shows one dialog at a time, the newer one replacing the older', () => {
    const dialogs = new Dialogs();
    expect(dialogs.open).toBe(false);
    dialogs.show({ kind: 'preview', file });
    dialogs.show({ kind: 'share', file });
    expect(dialogs.showing).toEqual({ kind: 'share', file });
    dialogs.close();
    expect(dialogs.open).toBe(false);
  });

  it('counts the menu as open, so window shortcuts wait for it', () => {
    const dialogs = new Dialogs();
    dialogs.show({ kind: 'menu', x: 10, y: 20 });
    expect(dialogs.menuOpen).toBe(true);
    expect(dialogs.open).toBe(true);
  });

  // Opened from the profile menu; the window's shortcuts must not act behind the running check.
  it('shows the connection check for the profile it was opened on, as a dialog like the others', () => {
    const profile: ProfileSummary = { name: 'prod', kind: 'r2', endpoint: 'https://x.r2.cloudflarestorage.com', bucket: 'b', public_url: null, is_default: true };
    const dialogs = new Dialogs();
    dialogs.show({ kind: 'check-connection', profile });
    expect(dialogs.showing).toEqual({ kind: 'check-connection', profile });
    expect(dialogs.open).toBe(true);
    expect(dialogs.menuOpen).toBe(false);
    dialogs.close();
    expect(dialogs.open).toBe(false);
  });

  // A drop while the rename box is open must not throw away what was typed there.
  it('stacks the upload plan over whatever dialog is open', () => {
    const dialogs = new Dialogs();
    dialogs.show({ kind: 'rename', file });
    dialogs.showPlan({ paths: ['/home/a/x.pdf'], tenant: 'acme', category: 'auto' });
    expect(dialogs.showing?.kind).toBe('rename');
    dialogs.close();
    expect(dialogs.open).toBe(true);
    dialogs.closePlan();
    expect(dialogs.open).toBe(false);
  });

  describe('the download clash question', () => {
    const question: ClashQuestion = {
      dir: '/home/a/Downloads',
      folder: 'Downloads',
      differing: [{ key: file.key, local: '/home/a/Downloads/a.pdf', identical: false }],
      identical: 0,
    };

    it('hands the answer to the download waiting for it and closes', async () => {
      const dialogs = new Dialogs();
      const answer = dialogs.askClash(question);
      expect(dialogs.showing).toEqual({ kind: 'clash', question });
      dialogs.answerClash('skip');
      await expect(answer).resolves.toBe('skip');
      expect(dialogs.open).toBe(false);
    });

    // Otherwise the download would wait forever for a question nobody can see.
    it('counts a question closed or replaced by another dialog as cancelled', async () => {
      const dialogs = new Dialogs();
      const closed = dialogs.askClash(question);
      dialogs.close();
      await expect(closed).resolves.toBeNull();
      const replaced = dialogs.askClash(question);
      dialogs.show({ kind: 'preview', file });
      await expect(replaced).resolves.toBeNull();
      // A late answer leaves the newer dialog alone.
      dialogs.answerClash('replace');
      expect(dialogs.showing?.kind).toBe('preview');
    });
  });
});
