// The main window's keyboard, as data: which key means what in the file table, in the filter
// box and anywhere in the window. Pure, so every shortcut can be tested without a DOM. The
// dispatchers that carry the actions out sit with the elements that take the keys: the table's
// in components/FilesView.svelte, the filter box's and the window's in screens/Main.svelte.
// What a movement does to the selection lives in ./selection.

/** The parts of a KeyboardEvent the map reads; tests pass plain objects. */
export type KeyPress = Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'shiftKey' | 'altKey'>;

/** The keys that move the cursor; with Shift they extend the selection instead (see moveBy). */
export type MoveAction = 'up' | 'down' | 'page-up' | 'page-down' | 'first' | 'last';

export type TableAction =
  | MoveAction
  | 'open'
  | 'preview'
  | 'properties'
  | 'parent'
  | 'delete'
  | 'clear-selection'
  | 'rename'
  | 'menu'
  | 'select-all'
  | 'copy-key';

export type FilterAction = 'clear-filter' | 'enter-table';

export type SearchAction = 'next' | 'previous' | 'choose' | 'clear' | 'leave';

export type WindowAction = 'search' | 'filter' | 'upload' | 'share' | 'select-all';

/** The parts of an element the window reads to tell whether a key is typing; tests pass plain objects. */
export type FocusTarget = { tagName: string; type?: string; isContentEditable?: boolean; readOnly?: boolean };

// Input types whose text Ctrl+A selects; a checkbox or a button has no text to select.
const TEXT_INPUTS = new Set(['', 'text', 'search', 'url', 'email', 'password', 'number', 'tel']);

/** Whether `target` takes typed text, so Ctrl+A there selects its text rather than the files. */
export function isTextEntry(target: FocusTarget | null | undefined): boolean {
  if (!target) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName.toUpperCase();
  if (tag === 'TEXTAREA') return true;
  return tag === 'INPUT' && TEXT_INPUTS.has((target.type ?? '').toLowerCase());
}

/** Rows PageUp and PageDown move: about one screen of the table. */
export const PAGE_ROWS = 15;

const ctrlOf = (press: KeyPress) => press.ctrlKey || press.metaKey;

/**
 * A key pressed in the file table. `hasCursorRow`: the focused row is still listed, so Enter
 * has something to open. Shift does not change the action.
 */
export function tableKey(press: KeyPress, context: { hasCursorRow: boolean }): TableAction | null {
  switch (press.key) {
    case 'ArrowDown':
      return 'down';
    case 'ArrowUp':
      return 'up';
    case 'PageDown':
      return 'page-down';
    case 'PageUp':
      return 'page-up';
    case 'Home':
      return 'first';
    case 'End':
      return 'last';
    case 'Enter':
      if (press.altKey) return 'properties';
      return context.hasCursorRow ? 'open' : null;
    case ' ':
      return 'preview';
    case 'Backspace':
      return 'parent';
    case 'Delete':
      return 'delete';
    case 'Escape':
      return 'clear-selection';
    case 'F2':
      return 'rename';
    case 'ContextMenu':
      return 'menu';
    case 'F10':
      return press.shiftKey ? 'menu' : null;
  }
  if (!ctrlOf(press) || press.shiftKey) return null;
  const key = press.key.toLowerCase();
  if (key === 'a') return 'select-all';
  if (key === 'c') return 'copy-key';
  return null;
}

/**
 * Whether the table takes the key from the webview (preventDefault). Esc is the one it shares:
 * clearing the selection is a side effect, not a reason to hide the key from anyone else.
 */
export function claims(action: TableAction): boolean {
  return action !== 'clear-selection';
}

export function isMove(action: TableAction): action is MoveAction {
  return action === 'up' || action === 'down' || action === 'page-up' || action === 'page-down' || action === 'first' || action === 'last';
}

/** How many rows a movement moves the cursor; ./selection clamps it to the rows there are. */
export function moveBy(action: MoveAction, rowCount: number): number {
  switch (action) {
    case 'down':
      return 1;
    case 'up':
      return -1;
    case 'page-down':
      return PAGE_ROWS;
    case 'page-up':
      return -PAGE_ROWS;
    case 'last':
      return rowCount;
    case 'first':
      return -rowCount;
  }
}

/** A key pressed in the filter box: Esc empties it (a second Esc is left alone), Down or Enter go to the rows. */
export function filterKey(press: KeyPress, context: { filter: string }): FilterAction | null {
  if (press.key === 'Escape') return context.filter !== '' ? 'clear-filter' : null;
  if (press.key === 'ArrowDown' || press.key === 'Enter') return 'enter-table';
  return null;
}

/**
 * A key pressed in the search box: the arrows move through the results and Enter opens the one
 * they are on; Esc empties the box, and Esc in an empty box leaves it for the files.
 */
export function searchKey(press: KeyPress, context: { text: string; results: number }): SearchAction | null {
  switch (press.key) {
    case 'ArrowDown':
      return context.results > 0 ? 'next' : null;
    case 'ArrowUp':
      return context.results > 0 ? 'previous' : null;
    case 'Enter':
      return context.results > 0 ? 'choose' : null;
    case 'Escape':
      return context.text !== '' ? 'clear' : 'leave';
  }
  return null;
}

/**
 * The window-wide shortcuts (Ctrl+F, Ctrl+Shift+F, Ctrl+U, Ctrl+Shift+L, Ctrl+A). Ctrl+F filters the
 * folder shown and Ctrl+Shift+F searches every tenant, as in VS Code (find in the file, find in
 * all files). None fires while a
 * dialog or a menu is open, since the dialog owns the keyboard then, nor with Alt, which belongs to the desktop.
 * Ctrl+A selects the files wherever the focus is in the files view (the sidebar, the toolbar), as
 * the webview would otherwise select the page's text; in a text box it keeps selecting the text.
 */
export function windowKey(press: KeyPress, context: { dialogOpen: boolean; inText?: boolean; files?: boolean }): WindowAction | null {
  if (context.dialogOpen || press.altKey || !ctrlOf(press)) return null;
  const key = press.key.toLowerCase();
  if (!press.shiftKey && key === 'a') return context.files && !context.inText ? 'select-all' : null;
  if (key === 'f') return press.shiftKey ? 'search' : 'filter';
  if (!press.shiftKey && key === 'u') return 'upload';
  if (press.shiftKey && key === 'l') return 'share';
  return null;
}
