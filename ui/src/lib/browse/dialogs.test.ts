import { describe, expect, it } from 'vitest';
import type { FileEntry } from '../ipc';
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
});
