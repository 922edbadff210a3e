// What can be done to the selection, as the context menu and the toolbar's "More" menu list
// it: one list, so the two menus and the keyboard shortcuts they show cannot drift apart.

export type FileAction =
  | 'open'
  | 'preview'
  | 'download'
  | 'share'
  | 'copy-link'
  | 'copy-key'
  | 'copy-public-url'
  | 'rename'
  | 'move'
  | 'properties'
  | 'delete';

export type MenuItem<Id extends string = string> = {
  id: Id;
  label: string;
  shortcut?: string;
  disabled?: boolean;
  danger?: boolean;
  /** Draw a line above this item. */
  separated?: boolean;
  /** The item's data-testid when "menu-<id>" would be ambiguous (the same id in two menus). */
  testid?: string;
};

/**
 * The actions for a selection of `files` files and `folders` folders. Single-file actions stay
 * listed but disabled for several files, so people learn where they are; folders can only be
 * opened and have their prefix copied. "Copy public URL" is there when the profile has one.
 */
export function fileActions(files: number, folders: number, publicUrl = false): MenuItem<FileAction>[] {
  if (files === 0) {
    return folders === 0
      ? []
      : [
          { id: 'open', label: 'Open', shortcut: 'Enter', disabled: folders !== 1 },
          { id: 'copy-key', label: folders === 1 ? 'Copy prefix' : 'Copy prefixes', shortcut: 'Ctrl+C' },
        ];
  }
  const one = files === 1;
  return [
    { id: 'preview', label: 'Preview', shortcut: 'Space', disabled: !one },
    { id: 'download', label: one ? 'Download…' : `Download ${files} files…` },
    { id: 'share', label: 'Share link…', shortcut: 'Ctrl+Shift+L', disabled: !one },
    // One click, as Cyberduck's "Copy URL": a link with the default lifetime, straight to the clipboard.
    { id: 'copy-link', label: 'Copy link (1 day)', disabled: !one },
    { id: 'copy-key', label: one && folders === 0 ? 'Copy key' : 'Copy keys', shortcut: 'Ctrl+C' },
    // Without a public URL on the profile there is nothing to copy; the item says why by its absence.
    ...(publicUrl ? [{ id: 'copy-public-url' as const, label: one ? 'Copy public URL' : 'Copy public URLs' }] : []),
    { id: 'rename', label: 'Rename…', shortcut: 'F2', disabled: !one, separated: true },
    { id: 'move', label: one ? 'Move to…' : `Move ${files} files to…` },
    { id: 'properties', label: 'Properties', shortcut: 'Alt+Enter', disabled: !one, separated: true },
    { id: 'delete', label: one ? 'Delete' : `Delete ${files} files`, shortcut: 'Delete', danger: true },
  ];
}
