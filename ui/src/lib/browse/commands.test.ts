import { describe, expect, it, vi } from 'vitest';
import { IpcFailure, type FileEntry, type FolderEntry } from '../ipc';
import { Batches, type Outcome } from './batches';
import { SelectionCommands, type Core } from './commands';
import { Dialogs } from './dialogs.svelte';
import { Listing } from './listing.svelte';
import { RowSelection } from './row-selection.svelte';
import { Transfers } from './transfers.svelte';

const file = (name: string, content_type = 'application/pdf'): FileEntry => ({
  key: `acme/documents/20250127_123456_abc123_${name}`,
  name,
  size: 1000,
  modified: null,
  content_type,
});
const folder = (name: string): FolderEntry => ({ name, prefix: `acme/documents/${name}/`, category: null });
const [a, b, c] = [file('a.pdf'), file('b.pdf'), file('c.pdf')];

/** The commands over a listing of a, b, c and one folder, with what they reported. */
async function setup() {
  const listing = new Listing({
    listFolder: async (_prefix, onPage) => {
      onPage({ folders: [folder('old')], files: [a, b, c] });
      return { folders: 1, files: 3, bytes: 0 };
    },
    reportStartup: async () => {},
  });
  await listing.open('acme/documents/');
  const selection = new RowSelection(listing);
  const dialogs = new Dialogs();
  const core = {
    copyText: vi.fn<Core['copyText']>().mockResolvedValue(undefined),
    copyTextSoon: vi.fn<Core['copyTextSoon']>(async (text) => void (await text)),
    shareLink: vi.fn<Core['shareLink']>(async (key, secs) => ({
      id: 1,
      key,
      url: `https://r2.example/${key}?X-Amz-Expires=${secs}`,
      expires_at: '2025-01-28T12:00:00Z',
      qr_svg: '<svg/>',
      public_url: null,
      note: null,
    })),
    publicUrls: vi.fn<Core['publicUrls']>(async (keys) => keys.map((k) => `https://files.example/${k}`)),
    contentTypeFor: vi.fn<Core['contentTypeFor']>().mockResolvedValue('image/jpeg'),
  };
  const batches = new Batches(new Transfers(), vi.fn(), { uploadFiles: vi.fn(), downloadObjects: vi.fn(), downloadClashes: vi.fn(), pickFolder: vi.fn() });
  const navigate = vi.fn<(prefix: string) => void>();
  const reported: Outcome[] = [];
  const commands = new SelectionCommands({ listing, selection, dialogs, batches, navigate, report: (o) => reported.push(o) }, core);
  return { listing, selection, dialogs, core, navigate, reported, commands };
}

describe('SelectionCommands', () => {
  it('shares, previews and inspects exactly one file', async () => {
    const { selection, dialogs, reported, commands } = await setup();
    selection.click(a.key);
    commands.share();
    expect(dialogs.showing).toEqual({ kind: 'share', file: a });
    commands.showProperties();
    expect(dialogs.showing).toEqual({ kind: 'properties', file: a });
    commands.run('preview');
    expect(dialogs.showing).toEqual({ kind: 'preview', file: a });
    expect(reported).toEqual([]);
  });

  it('asks for one file when several are selected to share or rename', async () => {
    const { selection, dialogs, reported, commands } = await setup();
    selection.click(a.key);
    selection.click(b.key, { toggle: true });
    commands.share();
    commands.askRename();
    commands.showProperties();
    expect(dialogs.showing).toBeNull();
    expect(reported).toEqual([{ toast: 'Select one file to share' }, { toast: 'Select one file to rename' }]);
  });

  it('moves and deletes the selected files, never a folder alone', async () => {
    const { selection, dialogs, commands } = await setup();
    selection.click('acme/documents/old/');
    commands.askDelete();
    commands.askMove();
    expect(dialogs.showing).toBeNull();
    selection.click(b.key, { toggle: true });
    commands.run('delete');
    expect(dialogs.showing).toEqual({ kind: 'delete', files: [b] });
    commands.run('move');
    expect(dialogs.showing).toEqual({ kind: 'move', files: [b] });
  });

  it('opens a folder in the table and a file in quick look', async () => {
    const { listing, selection, dialogs, navigate, commands } = await setup();
    selection.click('acme/documents/old/');
    commands.run('open');
    expect(navigate).toHaveBeenCalledWith('acme/documents/old/');
    commands.openRow(listing.rows[1]);
    expect(dialogs.showing?.kind).toBe('preview');
  });

  it('quick-looks the file under the cursor, not a folder', async () => {
    const { selection, dialogs, commands } = await setup();
    selection.click('acme/documents/old/');
    commands.previewCursor();
    expect(dialogs.showing).toBeNull();
    selection.move(1);
    commands.previewCursor();
    expect(dialogs.showing).toMatchObject({ kind: 'preview', file: { key: a.key } });
  });

  it('steps quick look through the files, the selection following, and stops at the ends', async () => {
    const { selection, dialogs, commands } = await setup();
    dialogs.show({ kind: 'preview', file: b });
    commands.step(1);
    expect(dialogs.showing).toMatchObject({ kind: 'preview', file: { key: c.key } });
    expect([...selection.current.selected]).toEqual([c.key]);
    commands.step(1);
    expect(dialogs.showing).toMatchObject({ kind: 'preview', file: { key: c.key } });
  });

  it('shows a renamed file in place, selected, with the type its new name gives', async () => {
    const { listing, selection, dialogs, core, reported, commands } = await setup();
    dialogs.show({ kind: 'rename', file: a });
    const newKey = 'acme/documents/20250127_123456_abc123_photo.jpg';
    await commands.renamed(a, newKey);
    expect(dialogs.showing).toBeNull();
    expect(core.contentTypeFor).toHaveBeenCalledWith('photo.jpg');
    expect(listing.files[0]).toEqual({ ...a, key: newKey, name: 'photo.jpg', content_type: 'image/jpeg' });
    expect([...selection.current.selected]).toEqual([newKey]);
    expect(reported).toEqual([{ toast: 'Renamed to photo.jpg' }]);
  });

  it('keeps the old type when the core cannot guess the new one', async () => {
    const { listing, core, commands } = await setup();
    core.contentTypeFor.mockRejectedValueOnce(new Error('gone'));
    await commands.renamed(a, `${a.key}2`);
    expect(listing.files[0].content_type).toBe('application/pdf');
  });

  it('copies keys and folder prefixes, one a line', async () => {
    const { selection, core, reported, commands } = await setup();
    selection.click('acme/documents/old/');
    selection.click(a.key, { toggle: true });
    await commands.copyKeys();
    expect(core.copyText).toHaveBeenCalledWith(`acme/documents/old/\n${a.key}`);
    selection.click(b.key);
    await commands.copyKeys();
    expect(reported).toEqual([{ toast: '2 keys copied' }, { toast: 'Key copied' }]);
  });

  it('copies the files’ public URLs, or says why it could not', async () => {
    const { selection, core, reported, commands } = await setup();
    selection.click(a.key);
    await commands.copyPublicUrls();
    expect(core.copyText).toHaveBeenCalledWith(`https://files.example/${a.key}`);
    core.publicUrls.mockRejectedValueOnce(new Error('This profile has no public URL'));
    await commands.copyPublicUrls();
    expect(reported).toEqual([{ toast: 'Public URL copied' }, { error: 'This profile has no public URL' }]);
  });

  it('copies nothing when nothing is selected', async () => {
    const { core, reported, commands } = await setup();
    await commands.copyKeys();
    await commands.copyPublicUrls();
    expect(core.copyText).not.toHaveBeenCalled();
    expect(reported).toEqual([]);
  });

  it('copies a one-day link to the one selected file in one step, and says until when', async () => {
    const { selection, core, reported, commands } = await setup();
    selection.click(a.key);
    commands.run('copy-link');
    await vi.waitFor(() => expect(reported).toHaveLength(1));
    expect(core.shareLink).toHaveBeenCalledWith(a.key, 24 * 3600, 'a.pdf');
    expect(await core.copyTextSoon.mock.calls[0][0]).toBe(`https://r2.example/${a.key}?X-Amz-Expires=86400`);
    expect(reported).toEqual([{ toast: 'Link copied · expires in 1 day' }]);
  });

  it('says in plain words why no link was copied', async () => {
    const { selection, core, reported, commands } = await setup();
    core.shareLink.mockRejectedValueOnce(new IpcFailure({ code: 'unreachable', message: 'cannot reach r2: check your network' }));
    selection.click(a.key);
    await commands.copyShareLink();
    expect(reported).toEqual([{ error: 'Couldn’t make a link to a.pdf: Can’t reach storage. Check your network connection and try again.' }]);
    selection.click(b.key, { toggle: true });
    await commands.copyShareLink();
    expect(reported[1]).toEqual({ toast: 'Select one file to share' });
  });
});
