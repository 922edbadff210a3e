// Server-renders the file dialogs and checks the accessible names and selectors the
// end-to-end tests drive, so a refactor cannot silently rename them.
import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import MoveDialog from './MoveDialog.svelte';
import PreviewDialog from './PreviewDialog.svelte';
import RenameDialog from './RenameDialog.svelte';

const file = {
  key: 'acme/documents/20250127_123456_abc123_receipt.jpg',
  name: 'receipt.jpg',
  size: 182_000,
  modified: null,
  content_type: 'image/jpeg',
};
const noop = () => {};
/** The rendered HTML without Svelte's hydration comments. */
const html = (rendered: { body: string }) => rendered.body.replace(/<!--.*?-->/g, '');

describe('RenameDialog', () => {
  const body = html(render(RenameDialog, { props: { file, onclose: noop, onrenamed: noop } }));

  it('is the dialog named Rename, with the New name box holding the human name', () => {
    expect(body).toMatch(/role="dialog"[^>]*aria-label="Rename"/);
    expect(body).toMatch(/<input[^>]*aria-label="New name"[^>]*>/);
    expect(body).toMatch(/<input[^>]*value="receipt.jpg"/);
  });

  it('confirms with a submit button reading Rename', () => {
    expect(body).toMatch(/<button[^>]*type="submit"[^>]*data-testid="rename-confirm"[^>]*>\s*Rename\s*<\/button>/);
  });
});

describe('MoveDialog', () => {
  const body = html(render(MoveDialog, { props: { files: [file], from: 'acme/documents/', onclose: noop, onmoved: noop } }));

  it('is the dialog named Move and suggests another category of the same tenant', () => {
    expect(body).toMatch(/role="dialog"[^>]*aria-label="Move"/);
    expect(body).toContain('data-testid="move-confirm"');
    expect(body).toMatch(/data-testid="move-summary"[^>]*>[\s\S]*Move 1 file \(182 KB\) to <strong><span[^>]*title="acme\/images\/"[^>]*>acme\/images\/<\/span><\/strong>/);
  });
});

describe('PreviewDialog', () => {
  const body = html(render(PreviewDialog, { props: { file, onclose: noop, ondownload: noop, onshare: noop } }));

  it('is the dialog named Preview, titled with the file and its size and type', () => {
    expect(body).toMatch(/role="dialog"[^>]*aria-label="Preview"/);
    expect(body).toContain('receipt.jpg');
    expect(body).toMatch(/data-testid="preview-meta"[^>]*>[^<]*182 KB · JPEG · image\/jpeg/);
  });
});
