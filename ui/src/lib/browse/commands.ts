// What the actions on the selected files do, however they were asked for (the context menu,
// the toolbar, a shortcut): open the dialog that takes the action further, or run it and say
// how it went. Which key or menu item asks for what is ./keymap and ./actions; where the
// browser goes when a folder is opened is the window's (`navigate`).

import * as ipc from '../ipc';
import type { FileEntry } from '../ipc';
import { displayName } from '../format/keys';
import type { FileAction } from './actions';
import type { Batches, Outcome } from './batches';
import type { Dialogs } from './dialogs.svelte';
import { DEFAULT_SHARE_SECS, describeExpiry } from './expiry';
import type { Listing } from './listing.svelte';
import { plainError } from './offline';
import { neighbour } from './preview';
import { renamedEntry } from './rename';
import type { RowSelection } from './row-selection.svelte';
import type { Row } from './rows';

/** The part of the IPC surface the commands use, so tests can hand in a fake. */
export type Core = Pick<typeof ipc, 'copyText' | 'copyTextSoon' | 'publicUrls' | 'contentTypeFor' | 'shareLink'>;

export type Parts = {
  listing: Listing;
  selection: RowSelection;
  dialogs: Dialogs;
  batches: Batches;
  /** Shows a folder in the table. */
  navigate: (prefix: string) => void;
  /** Where an action says how it went: a toast, or an error to keep on screen. */
  report: (outcome: Outcome) => void;
};

export class SelectionCommands {
  readonly #parts: Parts;
  readonly #core: Core;

  constructor(parts: Parts, core: Core = ipc) {
    this.#parts = parts;
    this.#core = core;
  }

  /** An item chosen in the file menu. */
  run(action: FileAction): void {
    const { listing, selection } = this.#parts;
    switch (action) {
      case 'open': {
        const folder = listing.rows.find((r) => r.kind === 'folder' && selection.has(r.prefix));
        if (folder) this.openRow(folder);
        break;
      }
      case 'preview':
        this.preview();
        break;
      case 'download':
        void this.download();
        break;
      case 'share':
        this.share();
        break;
      case 'copy-link':
        void this.copyShareLink();
        break;
      case 'copy-key':
        void this.copyKeys();
        break;
      case 'copy-public-url':
        void this.copyPublicUrls();
        break;
      case 'rename':
        this.askRename();
        break;
      case 'move':
        this.askMove();
        break;
      case 'properties':
        this.showProperties();
        break;
      case 'delete':
        this.askDelete();
        break;
    }
  }

  /** Enter or a double click: a folder opens in the table, a file in quick look. */
  openRow(row: Row): void {
    if (row.kind === 'folder') this.#parts.navigate(row.prefix);
    else this.#parts.dialogs.show({ kind: 'preview', file: row });
  }

  /** Space: quick look at the file under the cursor; a folder under it stays put. */
  previewCursor(): void {
    const row = this.#parts.selection.cursorRow;
    if (row?.kind === 'file') this.#parts.dialogs.show({ kind: 'preview', file: row });
  }

  /** Quick look moves through the folder's files; the selection follows, as in Finder. */
  step(delta: number): void {
    const { dialogs, listing, selection } = this.#parts;
    const showing = dialogs.showing;
    const next = showing?.kind === 'preview' ? neighbour(listing.rows, showing.file.key, delta) : null;
    if (next === null) return;
    dialogs.show({ kind: 'preview', file: next });
    selection.only(next.key);
  }

  preview(): void {
    const one = this.#parts.selection.one;
    if (one) this.#parts.dialogs.show({ kind: 'preview', file: one });
  }

  showProperties(): void {
    const one = this.#parts.selection.one;
    if (one) this.#parts.dialogs.show({ kind: 'properties', file: one });
  }

  share(): void {
    const { selection, dialogs, report } = this.#parts;
    if (selection.one) dialogs.show({ kind: 'share', file: selection.one });
    else if (selection.files.length > 1) report({ toast: 'Select one file to share' });
  }

  /** A link to the one selected file with the default lifetime, copied; the toast says until when. */
  async copyShareLink(): Promise<void> {
    const { selection, report } = this.#parts;
    const one = selection.one;
    if (!one) {
      report({ toast: 'Select one file to share' });
      return;
    }
    try {
      await this.#core.copyTextSoon(this.#core.shareLink(one.key, DEFAULT_SHARE_SECS, one.name).then((link) => link.url));
      report({ toast: `Link copied · expires ${describeExpiry(DEFAULT_SHARE_SECS)}` });
    } catch (failure) {
      report({ error: `Couldn’t make a link to ${one.name}: ${plainError(failure)}` });
    }
  }

  askRename(): void {
    const { selection, dialogs, report } = this.#parts;
    if (selection.one) dialogs.show({ kind: 'rename', file: selection.one });
    else report({ toast: 'Select one file to rename' });
  }

  askMove(): void {
    const { selection, dialogs } = this.#parts;
    if (selection.files.length > 0) dialogs.show({ kind: 'move', files: selection.files });
  }

  askDelete(): void {
    const { selection, dialogs } = this.#parts;
    if (selection.files.length > 0) dialogs.show({ kind: 'delete', files: selection.files });
  }

  /** The core renamed `file` to `newKey`: its row changes in place and is selected alone. */
  async renamed(file: FileEntry, newKey: string): Promise<void> {
    const { dialogs, listing, selection, report } = this.#parts;
    dialogs.close();
    // The extension may have changed, and with it the icon.
    const type = await this.#core.contentTypeFor(displayName(newKey)).catch(() => file.content_type);
    const row = renamedEntry(file, newKey, type);
    listing.replace(file.key, row);
    selection.only(newKey);
    report({ toast: `Renamed to ${row.name}` });
  }

  async download(files: FileEntry[] = this.#parts.selection.files): Promise<void> {
    const outcome = await this.#parts.batches.download(files.map((f) => f.key));
    if (outcome) this.#parts.report(outcome);
  }

  /** Keys of the selected files and prefixes of the selected folders, one a line. */
  async copyKeys(): Promise<void> {
    const keys = [...this.#parts.selection.current.selected];
    if (keys.length === 0) return;
    this.#parts.report(
      await this.#copy(
        async () => keys.join('\n'),
        keys.length === 1 ? 'Key copied' : `${keys.length} keys copied`,
      ),
    );
  }

  async copyPublicUrls(): Promise<void> {
    const keys = this.#parts.selection.files.map((f) => f.key);
    if (keys.length === 0) return;
    this.#parts.report(
      await this.#copy(
        async () => (await this.#core.publicUrls(keys)).join('\n'),
        keys.length === 1 ? 'Public URL copied' : `${keys.length} public URLs copied`,
      ),
    );
  }

  async #copy(text: () => Promise<string>, done: string): Promise<Outcome> {
    try {
      await this.#core.copyText(await text());
      return { toast: done };
    } catch (failure) {
      return { error: plainError(failure) };
    }
  }
}
