import { describe, expect, it } from 'vitest';
import { claims, filterKey, isMove, isTextEntry, moveBy, PAGE_ROWS, searchKey, tableKey, windowKey, type KeyPress } from './keymap';

const press = (key: string, mods: Partial<Omit<KeyPress, 'key'>> = {}): KeyPress => ({
  key,
  ctrlKey: false,
  metaKey: false,
  shiftKey: false,
  altKey: false,
  ...mods,
});
const onRow = { hasCursorRow: true };

describe('tableKey', () => {
  it('maps the keys UI.md promises', () => {
    expect(tableKey(press('ArrowDown'), onRow)).toBe('down');
    expect(tableKey(press('ArrowUp'), onRow)).toBe('up');
    expect(tableKey(press('PageDown'), onRow)).toBe('page-down');
    expect(tableKey(press('PageUp'), onRow)).toBe('page-up');
    expect(tableKey(press('Home'), onRow)).toBe('first');
    expect(tableKey(press('End'), onRow)).toBe('last');
    expect(tableKey(press('Enter'), onRow)).toBe('open');
    expect(tableKey(press(' '), onRow)).toBe('preview');
    expect(tableKey(press('Backspace'), onRow)).toBe('parent');
    expect(tableKey(press('Delete'), onRow)).toBe('delete');
    expect(tableKey(press('Escape'), onRow)).toBe('clear-selection');
    expect(tableKey(press('F2'), onRow)).toBe('rename');
    expect(tableKey(press('ContextMenu'), onRow)).toBe('menu');
    expect(tableKey(press('a', { ctrlKey: true }), onRow)).toBe('select-all');
    expect(tableKey(press('c', { ctrlKey: true }), onRow)).toBe('copy-key');
  });

  it('keeps the action under Shift, which extends the selection instead', () => {
    expect(tableKey(press('ArrowDown', { shiftKey: true }), onRow)).toBe('down');
    expect(tableKey(press('End', { shiftKey: true }), onRow)).toBe('last');
  });

  it('opens Properties with Alt+Enter, with or without a focused row', () => {
    expect(tableKey(press('Enter', { altKey: true }), onRow)).toBe('properties');
    expect(tableKey(press('Enter', { altKey: true }), { hasCursorRow: false })).toBe('properties');
  });

  it('leaves Enter alone when no row has the cursor', () => {
    expect(tableKey(press('Enter'), { hasCursorRow: false })).toBeNull();
  });

  it('opens the menu with Shift+F10 only', () => {
    expect(tableKey(press('F10', { shiftKey: true }), onRow)).toBe('menu');
    expect(tableKey(press('F10'), onRow)).toBeNull();
  });

  it('takes Cmd for Ctrl and ignores case, as macOS and Caps Lock send them', () => {
    expect(tableKey(press('a', { metaKey: true }), onRow)).toBe('select-all');
    expect(tableKey(press('C', { ctrlKey: true }), onRow)).toBe('copy-key');
  });

  it('leaves Ctrl+Shift+A and C, and plain letters, to others', () => {
    expect(tableKey(press('A', { ctrlKey: true, shiftKey: true }), onRow)).toBeNull();
    expect(tableKey(press('C', { ctrlKey: true, shiftKey: true }), onRow)).toBeNull();
    expect(tableKey(press('a'), onRow)).toBeNull();
    expect(tableKey(press('f', { ctrlKey: true }), onRow)).toBeNull();
  });
});

describe('claims', () => {
  it('takes every table key from the webview except Esc', () => {
    expect(claims('down')).toBe(true);
    expect(claims('preview')).toBe(true);
    expect(claims('clear-selection')).toBe(false);
  });
});

describe('moveBy', () => {
  it('moves a row, a page, or to either end', () => {
    expect(moveBy('down', 40)).toBe(1);
    expect(moveBy('up', 40)).toBe(-1);
    expect(moveBy('page-down', 40)).toBe(PAGE_ROWS);
    expect(moveBy('page-up', 40)).toBe(-PAGE_ROWS);
    expect(moveBy('last', 40)).toBe(40);
    expect(moveBy('first', 40)).toBe(-40);
  });

  it('tells movements from the other actions', () => {
    expect(isMove('page-down')).toBe(true);
    expect(isMove('first')).toBe(true);
    expect(isMove('open')).toBe(false);
    expect(isMove('select-all')).toBe(false);
  });
});

describe('filterKey', () => {
  it('empties the filter on Esc, and leaves a second Esc alone', () => {
    expect(filterKey(press('Escape'), { filter: 'inv' })).toBe('clear-filter');
    expect(filterKey(press('Escape'), { filter: '' })).toBeNull();
  });

  it('goes down into the rows on ArrowDown or Enter', () => {
    expect(filterKey(press('ArrowDown'), { filter: '' })).toBe('enter-table');
    expect(filterKey(press('Enter'), { filter: 'inv' })).toBe('enter-table');
    expect(filterKey(press('x'), { filter: 'inv' })).toBeNull();
  });
});

describe('searchKey', () => {
  it('moves through the results and opens the one chosen', () => {
    expect(searchKey(press('ArrowDown'), { text: 'inv', results: 3 })).toBe('next');
    expect(searchKey(press('ArrowUp'), { text: 'inv', results: 3 })).toBe('previous');
    expect(searchKey(press('Enter'), { text: 'inv', results: 3 })).toBe('choose');
  });

  it('leaves the keys alone with nothing to move through', () => {
    expect(searchKey(press('ArrowDown'), { text: 'inv', results: 0 })).toBeNull();
    expect(searchKey(press('Enter'), { text: 'inv', results: 0 })).toBeNull();
    expect(searchKey(press('x'), { text: 'inv', results: 3 })).toBeNull();
  });

  it('empties the box on Esc, and leaves it on a second Esc', () => {
    expect(searchKey(press('Escape'), { text: 'inv', results: 3 })).toBe('clear');
    expect(searchKey(press('Escape'), { text: '', results: 0 })).toBe('leave');
  });
});

describe('windowKey', () => {
  const free = { dialogOpen: false };

  it('maps Ctrl+F, Ctrl+Shift+F, Ctrl+U and Ctrl+Shift+L', () => {
    expect(windowKey(press('f', { ctrlKey: true }), free)).toBe('filter');
    expect(windowKey(press('f', { metaKey: true }), free)).toBe('filter');
    expect(windowKey(press('F', { ctrlKey: true, shiftKey: true }), free)).toBe('search');
    expect(windowKey(press('u', { metaKey: true }), free)).toBe('upload');
    expect(windowKey(press('L', { ctrlKey: true, shiftKey: true }), free)).toBe('share');
  });

  it('stays quiet while a dialog or menu is open', () => {
    expect(windowKey(press('f', { ctrlKey: true }), { dialogOpen: true })).toBeNull();
    expect(windowKey(press('u', { ctrlKey: true }), { dialogOpen: true })).toBeNull();
  });

  it('needs Ctrl, leaves Alt combinations and the wrong Shift state alone', () => {
    expect(windowKey(press('f'), free)).toBeNull();
    expect(windowKey(press('f', { ctrlKey: true, altKey: true }), free)).toBeNull();
    expect(windowKey(press('U', { ctrlKey: true, shiftKey: true }), free)).toBeNull();
    expect(windowKey(press('l', { ctrlKey: true }), free)).toBeNull();
  });

  // Regression: Ctrl+A after a click in the sidebar selected the page's text, not the files.
  it('selects the files with Ctrl+A wherever the focus is in the files view, except in a text box', () => {
    const files = { dialogOpen: false, files: true, inText: false };
    expect(windowKey(press('a', { ctrlKey: true }), files)).toBe('select-all');
    expect(windowKey(press('A', { metaKey: true }), files)).toBe('select-all');
    expect(windowKey(press('a', { ctrlKey: true }), { ...files, inText: true })).toBeNull();
    expect(windowKey(press('a', { ctrlKey: true }), { ...files, files: false })).toBeNull();
    expect(windowKey(press('a', { ctrlKey: true }), { ...files, dialogOpen: true })).toBeNull();
    expect(windowKey(press('a', { ctrlKey: true, shiftKey: true }), files)).toBeNull();
  });
});

describe('isTextEntry', () => {
  it('is true where typing goes into text', () => {
    expect(isTextEntry({ tagName: 'INPUT', type: 'text' })).toBe(true);
    expect(isTextEntry({ tagName: 'input', type: 'search' })).toBe(true);
    expect(isTextEntry({ tagName: 'INPUT', type: '' })).toBe(true);
    expect(isTextEntry({ tagName: 'TEXTAREA' })).toBe(true);
    expect(isTextEntry({ tagName: 'DIV', isContentEditable: true })).toBe(true);
  });

  it('is false for buttons, checkboxes, the table and nothing at all', () => {
    expect(isTextEntry({ tagName: 'BUTTON' })).toBe(false);
    expect(isTextEntry({ tagName: 'INPUT', type: 'checkbox' })).toBe(false);
    expect(isTextEntry({ tagName: 'DIV' })).toBe(false);
    expect(isTextEntry({ tagName: 'BODY' })).toBe(false);
    expect(isTextEntry(null)).toBe(false);
  });
});
