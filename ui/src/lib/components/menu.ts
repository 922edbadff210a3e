// Keyboard movement shared by Cubby's menus (the profile switcher, the file menu): arrows wrap
// around, Home and End jump to the ends, as in native menus.

/** Moves focus among `items` for an arrow, Home or End key; returns false for any other key. */
export function moveFocus(event: KeyboardEvent, items: readonly HTMLElement[]): boolean {
  const at = items.indexOf(document.activeElement as HTMLElement);
  const targets: Record<string, number> = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: items.length - 1 };
  const target = targets[event.key];
  if (target === undefined || items.length === 0) return false;
  event.preventDefault();
  items[(target + items.length) % items.length].focus();
  return true;
}
