// Server-renders the places that show a file name, key, tenant or folder with a name far too
// long for the window, and checks each keeps the whole name in a tooltip: the CSS cuts the
// text with an ellipsis, so the title is the only place a person can still read it.
import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import type { FileEntry, ProfileSummary, WatchedFolderRow } from '../ipc';
import { Sync } from '../browse/sync.svelte';
import { Transfers } from '../browse/transfers.svelte';
import DeleteConfirm from './DeleteConfirm.svelte';
import MoveDialog from './MoveDialog.svelte';
import SavedProfiles from './SavedProfiles.svelte';
import SyncView from './SyncView.svelte';
import TopBar from './TopBar.svelte';
import TransfersDrawer from './TransfersDrawer.svelte';

const long = (what: string) => `${what}-${'x'.repeat(180)}`;
const tenant = long('tenant');
const name = `${long('quarterly-report')}.pdf`;
const file: FileEntry = {
  key: `${tenant}/documents/20250127_123456_abc123_${name}`,
  name,
  size: 1000,
  modified: null,
  content_type: 'application/pdf',
};
const profile: ProfileSummary = {
  name: long('profile'),
  kind: 'r2',
  endpoint: 'https://0123.r2.cloudflarestorage.com',
  bucket: long('bucket'),
  public_url: null,
  is_default: true,
};
const noop = () => {};
/** The rendered HTML without Svelte's hydration comments. */
const html = (rendered: { body: string }) => rendered.body.replace(/<!--.*?-->/g, '');
/** Whether an element with `title="<full>"` shows `full` (or `shown`) as its text. */
const titled = (body: string, full: string, shown = full) => body.includes(`title="${full}"`) && body.includes(`>${shown}<`);

describe('long names keep their whole text in a tooltip', () => {
  it('in the breadcrumb', () => {
    const here = [
      { label: 'bucket', prefix: '' },
      { label: tenant, prefix: `${tenant}/` },
      { label: 'documents', prefix: `${tenant}/documents/` },
    ];
    const body = html(
      render(TopBar, {
        props: {
          profiles: [profile],
          active: profile,
          view: 'files',
          here,
          tenant,
          onswitch: noop,
          onadd: noop,
          oncheck: noop,
          onremove: noop,
          onnavigate: noop,
          onreveal: noop,
          onsearchleave: noop,
          onupload: noop,
        },
      }),
    );
    expect(titled(body, tenant)).toBe(true);
    expect(body).toMatch(/aria-current="location"[^>]*title="documents"/);
    expect(titled(body, profile.name)).toBe(true);
  });

  it('in the delete and move dialogs’ titles and summaries', () => {
    const deleting = html(render(DeleteConfirm, { props: { files: [file], from: `${tenant}/documents/`, ondeleted: noop, onclose: noop, ontoast: noop } }));
    expect(titled(deleting, `Delete “${name}”?`)).toBe(true);
    expect(titled(deleting, `${tenant}/documents`)).toBe(true);

    const moving = html(render(MoveDialog, { props: { files: [file], from: `${tenant}/documents/`, onclose: noop, onmoved: noop } }));
    expect(titled(moving, `Move “${name}”`)).toBe(true);
    expect(titled(moving, `${tenant}/images/`)).toBe(true);
  });

  it('in the saved connections on the Connect screen', () => {
    const body = html(render(SavedProfiles, { props: { profiles: [profile], busy: false, disabled: false, onuse: noop } }));
    expect(body).toContain(`data-profile="${profile.name}"`);
    expect(titled(body, profile.name)).toBe(true);
  });

  it('in the Sync view’s header, activity and remove question', () => {
    const folder: WatchedFolderRow = {
      path: `/home/me/${long('Receipts')}`,
      name: long('Receipts'),
      tenant,
      per_subfolder: false,
      category: 'auto',
      after_upload: 'keep',
      paused: false,
      waiting: 0,
      queued: 0,
      uploading: 0,
      uploaded: 1,
      failed: 0,
    };
    const sync = new Sync();
    const path = `${folder.path}/${name}`;
    sync.activity = [{ id: 1, folder: folder.path, path, state: 'failed', key: null, message: `Could not read ${path}`, at: 0 }];
    const body = html(render(SyncView, { props: { folder, sync, ontoast: noop, onremoved: noop } }));
    expect(titled(body, `${folder.name} → ${tenant}`)).toBe(true);
    expect(titled(body, folder.path)).toBe(true);
    expect(titled(body, path)).toBe(true);
    expect(titled(body, `Could not read ${path}`)).toBe(true);
  });

  it('in the transfers drawer’s rows, and its line has no rate before one is known', () => {
    const transfers = new Transfers();
    transfers.apply({ event: 'queued', batch: 1, direction: 'upload', items: [{ key: file.key, local: `/tmp/${name}`, size: 1000 }] });
    const body = html(render(TransfersDrawer, { props: { transfers, oncancel: noop, onretry: noop } }));
    expect(body).toMatch(/data-testid="transfer-progress"[^>]*>0%</);
    expect(body).not.toContain('B/s');
  });
});
