// Files dropped onto a sidebar folder go into that folder's category. The sidebar marks the rows
// that take drops with DROP_FOLDER (the folder's prefix); the window looks under the pointer for
// it. A dedicated attribute, so that the logic never leans on test IDs or on styling classes.

import { categoryOf, tenantOf } from './location';

/** Set on sidebar rows that files can be dropped onto; its value is the folder's prefix. */
export const DROP_FOLDER = 'data-drop-folder';

export type DropTarget = { tenant: string; category: string };

/** Where files dropped onto `folder` ("acme/images/") go; null when it is not a tenant's category. */
export function dropTarget(folder: string | null): DropTarget | null {
  const [tenant, category] = folder === null ? [null, null] : [tenantOf(folder), categoryOf(folder)];
  return tenant !== null && category !== null ? { tenant, category } : null;
}

/** The folder marked under a point of the window (CSS pixels), if any. */
export function folderAt(position: { x: number; y: number } | null): string | null {
  if (position === null) return null;
  return document.elementFromPoint(position.x, position.y)?.closest(`[${DROP_FOLDER}]`)?.getAttribute(DROP_FOLDER) ?? null;
}
