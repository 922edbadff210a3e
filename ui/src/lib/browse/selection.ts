// The file table's selection, as a value: which rows are selected, the anchor a Shift+click
// extends from, and the cursor (the focused row) the arrow keys move. Rows are addressed by
// id; the ordered id list is passed in, since sorting and filtering change the order.

export type Selection = {
  readonly selected: ReadonlySet<string>;
  readonly anchor: string | null;
  readonly cursor: string | null;
};

export const EMPTY: Selection = { selected: new Set(), anchor: null, cursor: null };

export type ClickModifiers = { shift?: boolean; toggle?: boolean };

function range(order: readonly string[], from: string | null, to: string): string[] {
  const end = order.indexOf(to);
  const start = from === null ? -1 : order.indexOf(from);
  if (end === -1) return [];
  if (start === -1) return [to];
  const [lo, hi] = start <= end ? [start, end] : [end, start];
  return order.slice(lo, hi + 1);
}

/** A click on row `id`: plain selects it alone, Ctrl toggles it, Shift selects from the anchor. */
export function click(sel: Selection, order: readonly string[], id: string, mods: ClickModifiers = {}): Selection {
  if (mods.shift) {
    const span = range(order, sel.anchor ?? sel.cursor, id);
    const selected = mods.toggle ? new Set([...sel.selected, ...span]) : new Set(span);
    return { selected, anchor: sel.anchor ?? id, cursor: id };
  }
  if (mods.toggle) {
    const selected = new Set(sel.selected);
    if (selected.has(id)) selected.delete(id);
    else selected.add(id);
    return { selected, anchor: id, cursor: id };
  }
  return { selected: new Set([id]), anchor: id, cursor: id };
}

/** Arrow keys: move the cursor by `delta` rows (clamped); with Shift, extend from the anchor. */
export function move(sel: Selection, order: readonly string[], delta: number, extend = false): Selection {
  if (order.length === 0) return EMPTY;
  const at = sel.cursor === null ? -1 : order.indexOf(sel.cursor);
  const next = at === -1 ? (delta >= 0 ? 0 : order.length - 1) : Math.min(order.length - 1, Math.max(0, at + delta));
  const id = order[next];
  if (extend) {
    const anchor = sel.anchor ?? sel.cursor ?? id;
    return { selected: new Set(range(order, anchor, id)), anchor, cursor: id };
  }
  return { selected: new Set([id]), anchor: id, cursor: id };
}

export function selectAll(order: readonly string[]): Selection {
  return { selected: new Set(order), anchor: order[0] ?? null, cursor: order[order.length - 1] ?? null };
}

/** Drops ids no longer listed (deleted, filtered out); keeps the rest. */
export function retain(sel: Selection, order: readonly string[]): Selection {
  const present = new Set(order);
  const selected = new Set([...sel.selected].filter((id) => present.has(id)));
  const keep = (id: string | null) => (id !== null && present.has(id) ? id : null);
  if (selected.size === sel.selected.size && keep(sel.cursor) === sel.cursor && keep(sel.anchor) === sel.anchor) return sel;
  return { selected, anchor: keep(sel.anchor), cursor: keep(sel.cursor) };
}
