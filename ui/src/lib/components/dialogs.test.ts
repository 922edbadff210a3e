// Server-renders the file dialogs and checks the accessible names and selectors the
// end-to-end tests drive, so a refactor cannot silently rename them.
import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import ClashDialog from './ClashDialog.svelte';
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

describe('ClashDialog', () => {
  const clash = (name: string, identical = false) => ({ key: `acme/documents/${name}`, local: `/home/a/Downloads/${name}`, identical });
  const render_ = (differing: ReturnType<typeof clash>[], identical: number) =>
    html(render(ClashDialog, { props: { question: { dir: '/home/a/Downloads', folder: 'Downloads', differing, identical }, onanswer: noop } }));

  it('asks once, with the four answers the end-to-end tests press', () => {
    const body = render_([clash('a.pdf'), clash('b.pdf')], 0);
    expect(body).toMatch(/role="dialog"[^>]*aria-label="Files already exist"[^>]*data-testid="clash-dialog"/);
    expect(body).toContain('2 files already exist in Downloads');
    for (const testid of ['clash-replace', 'clash-keep-both', 'clash-skip', 'clash-cancel']) expect(body).toContain(`data-testid="${testid}"`);
    expect(body).not.toContain('data-testid="clash-identical"');
  });

  // Enter and the first focus go to the answer that loses nothing.
  it('puts the focus on Keep both', () => {
    expect(render_([clash('a.pdf')], 0)).toMatch(/<button[^>]*data-testid="clash-keep-both"[^>]*data-autofocus[^>]*>\s*Keep both\s*<\/button>/);
  });

  it('names the first files, counts the rest, and mentions the identical ones', () => {
    const body = render_(['1', '2', '3', '4', '5', '6', '7'].map((n) => clash(`${n}.pdf`)), 2);
    expect(body).toMatch(/<li title="\/home\/a\/Downloads\/5.pdf"[^>]*>5.pdf<\/li>/);
    expect(body).not.toContain('>6.pdf<');
    expect(body).toContain('and 2 more');
    expect(body).toMatch(/data-testid="clash-identical"[^>]*>2 are already there and identical; they will be skipped\./);
  });
});
