// Server-renders the main window and the parts it is made of, and checks the selectors and
// texts the end-to-end tests drive, so splitting or moving them cannot silently drop one.
import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import type { FileEntry, ProfileSummary } from '../ipc';
import { SelectionCommands } from '../browse/commands';
import { Batches } from '../browse/batches';
import { Dialogs } from '../browse/dialogs.svelte';
import { Listing } from '../browse/listing.svelte';
import { RowSelection } from '../browse/row-selection.svelte';
import { Transfers } from '../browse/transfers.svelte';
import Main from '../screens/Main.svelte';
import DeleteConfirm from './DeleteConfirm.svelte';
import DropOverlay from './DropOverlay.svelte';
import FilesView from './FilesView.svelte';
import RemoveProfileConfirm from './RemoveProfileConfirm.svelte';
import ToastLine from './ToastLine.svelte';
import TransfersDrawer from './TransfersDrawer.svelte';
import { Toast } from './toast.svelte';

const sandbox: ProfileSummary = {
  name: 'sandbox',
  kind: 'sandbox',
  endpoint: 'http://127.0.0.1:39123',
  bucket: 'cubby-sandbox',
  public_url: null,
  is_default: true,
};
const receipt: FileEntry = {
  key: 'acme/documents/20250127_123456_abc123_receipt.jpg',
  name: 'receipt.jpg',
  size: 182_000,
  modified: null,
  content_type: 'image/jpeg',
};
const noop = () => {};
/** The rendered HTML without Svelte's hydration comments. */
const html = (rendered: { body: string }) => rendered.body.replace(/<!--.*?-->/g, '');

describe('Main', () => {
  const body = html(render(Main, { props: { active: sandbox } }));

  it.each(['main-layout', 'breadcrumb', 'filter', 'search-input', 'open-usage', 'open-migration', 'sidebar', 'download', 'share', 'delete', 'properties-button', 'more-actions', 'upload-url', 'status-bar'])(
    'renders [data-testid=%s]',
    (testid) => {
      expect(body).toContain(`data-testid="${testid}"`);
    },
  );

  // Ctrl+F filters the folder; Ctrl+Shift+F searches every tenant (as in VS Code).
  it('has the Upload button, the search box and the filter box with their shortcuts', () => {
    expect(body).toMatch(/<button[^>]*id="upload"[^>]*aria-keyshortcuts="Control\+U"/);
    expect(body).toMatch(/<input[^>]*id="search"[^>]*aria-keyshortcuts="Control\+Shift\+F"[^>]*data-testid="search-input"/);
    expect(body).toMatch(/<input[^>]*id="filter"[^>]*aria-keyshortcuts="Control\+F"/);
    expect(body).toContain('Open a tenant to upload into it');
  });

  it('names the bucket in the breadcrumb and invites the first upload', () => {
    expect(body).toMatch(/aria-current="location"[^>]*>cubby-sandbox</);
    expect(body).toContain('The bucket is empty');
  });
});

describe('FilesView', () => {
  async function view(files: FileEntry[], fail = false) {
    const listing = new Listing({
      listFolder: async (_prefix, onPage) => {
        if (fail) throw new Error('Access denied');
        onPage({ folders: [], files });
        return { folders: 0, files: files.length, bytes: 0 };
      },
      reportStartup: async () => {},
    });
    await listing.open('acme/documents/');
    const selection = new RowSelection(listing);
    const dialogs = new Dialogs();
    const batches = new Batches(new Transfers(), async () => null);
    const commands = new SelectionCommands({ listing, selection, dialogs, batches, navigate: noop, report: noop });
    return html(render(FilesView, { props: { listing, selection, dialogs, commands, bucket: 'cubby-sandbox', onnavigate: noop } }));
  }

  it('shows the rows in the file table', async () => {
    const body = await view([receipt]);
    expect(body).toContain('data-testid="file-table"');
    expect(body).toMatch(/data-testid="row"/);
    expect(body).toMatch(/data-testid="row-name"[^>]*>[^<]*receipt\.jpg/);
  });

  it('says why the folder could not be listed', async () => {
    const body = await view([], true);
    expect(body).toMatch(/data-testid="list-error"[\s\S]*Access denied/);
  });

  it('invites a drop into an empty folder', async () => {
    expect(await view([])).toContain('Nothing here yet');
  });
});

describe('DeleteConfirm', () => {
  const body = html(render(DeleteConfirm, { props: { files: [receipt], from: 'acme/documents/', ondeleted: noop, onclose: noop, ontoast: noop } }));

  it('names the count, the size and the folder before deleting', () => {
    expect(body).toContain('Delete “receipt.jpg”?');
    expect(body).toMatch(
      /data-testid="delete-summary"[^>]*>\s*Delete 1 object, 182 KB, from <span[^>]*title="acme\/documents"[^>]*>acme\/documents<\/span>\? This cannot be undone\./,
    );
    expect(body).toMatch(/data-testid="confirm-button"[^>]*>[\s\S]*Delete/);
  });
});

describe('RemoveProfileConfirm', () => {
  it('says the bucket’s files stay', () => {
    const r2 = { ...sandbox, name: 'prod', kind: 'r2' as const, bucket: 'oasys' };
    const body = html(render(RemoveProfileConfirm, { props: { profile: r2, onremove: async () => {}, onclose: noop } }));
    expect(body).toContain('Remove the connection “prod”?');
    expect(body).toContain('The files in the bucket are not touched.');
  });
});

describe('ToastLine and DropOverlay', () => {
  it('shows the toast only while it has a line', () => {
    const toast = new Toast();
    expect(html(render(ToastLine, { props: { toast } }))).not.toContain('data-testid="toast"');
    toast.show('Key copied');
    expect(html(render(ToastLine, { props: { toast } }))).toMatch(/data-testid="toast"[^>]*>Key copied</);
    toast.stop();
  });

  it('says where dropped files will go', () => {
    expect(html(render(DropOverlay, { props: { tenant: 'acme' } }))).toMatch(
      /data-testid="drop-overlay"[\s\S]*Drop to upload to <span[^>]*title="acme"[^>]*>acme<\/span> — routed by type/,
    );
  });
});

describe('TransfersDrawer', () => {
  // The rows are folded away when idle: the line must say that a file came with a note.
  it('counts the finished files that came with a note on its idle line', () => {
    const transfers = new Transfers();
    transfers.apply({ event: 'queued', batch: 1, direction: 'download', items: [{ key: 'acme/documents/a.pdf', local: '/d/a.pdf', size: 1 }] });
    transfers.apply({ event: 'finished', batch: 1, id: 1, direction: 'download', key: 'acme/documents/a.pdf', local: '/d/a.pdf', size: 1, note: 'not verified: two reads gave the same bytes' });
    transfers.finish({ batch: 1, done: 1, bytes: 1, failed: [], cancelled: false });
    const body = html(render(TransfersDrawer, { props: { transfers, oncancel: noop, onretry: noop } }));
    expect(body).toMatch(/data-testid="transfers-idle"[^>]*>\s*Transfers · 1 done · 1 with a note\s*</);
  });
});
