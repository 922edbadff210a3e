// The file table's selection over one listing: the selection value (./selection holds its
// rules), the rows' order it moves through, and what the selection amounts to (its files,
// their bytes, the status bar's line). It does not act on the files; the window does.

import type { FileEntry } from '../ipc';
import { formatBytes } from '../format/bytes';
import type { Listing } from './listing.svelte';
import { rowId, type Row } from './rows';
import * as sel from './selection';

export class RowSelection {
  current = $state.raw<sel.Selection>(sel.EMPTY);
  readonly #listing: Listing;

  /** Row ids in table order, for ranges and arrow keys. */
  order = $derived.by(() => this.#listing.rows.map(rowId));
  /** The selected files, in listing order; selected folders are not among them. */
  files = $derived.by(() => this.#listing.files.filter((f) => this.current.selected.has(f.key)));

  constructor(listing: Listing) {
    this.#listing = listing;
  }

  get size(): number {
    return this.current.selected.size;
  }

  /** The selected file when exactly one file is selected. */
  get one(): FileEntry | null {
    return this.files.length === 1 ? this.files[0] : null;
  }

  /** "2 selected (1.4 MB)"; the size only counts files. */
  get summary(): string {
    if (this.size === 0) return '';
    const bytes = this.files.reduce((sum, f) => sum + f.size, 0);
    return `${this.size} selected${this.files.length > 0 ? ` (${formatBytes(bytes)})` : ''}`;
  }

  /** The row the cursor is on, if it is still listed. */
  get cursorRow(): Row | undefined {
    const cursor = this.current.cursor;
    return cursor === null ? undefined : this.#listing.rows.find((r) => rowId(r) === cursor);
  }

  has(id: string): boolean {
    return this.current.selected.has(id);
  }

  click(id: string, mods: sel.ClickModifiers = {}): void {
    this.current = sel.click(this.current, this.order, id, mods);
  }

  /** Selects `id` alone, which need not be listed yet (a renamed file). */
  only(id: string): void {
    this.current = sel.click(sel.EMPTY, [id], id);
  }

  move(delta: number, extend = false): void {
    this.current = sel.move(this.current, this.order, delta, extend);
  }

  /** From the filter box down into the rows: the first row, alone. */
  first(): void {
    this.current = sel.move(sel.EMPTY, this.order, 1);
  }

  selectAll(): void {
    this.current = sel.selectAll(this.order);
  }

  clear(): void {
    this.current = sel.EMPTY;
  }

  /**
   * Keeps the selection to rows that are still shown. The window runs this in an effect, so a
   * row that is deleted or filtered out leaves the selection for good.
   */
  retain(): void {
    const next = sel.retain(this.current, this.order);
    if (next !== this.current) this.current = next;
  }
}
