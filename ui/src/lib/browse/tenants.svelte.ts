// The tenants as people know them: each tenant's id (its folder, what every key and command
// uses) and the name it was given, if any, which the window shows in its place. The directory is
// the core's (`.cubby/tenants.json` in the bucket); this keeps the window's copy of it, in the
// order the core returns, and says how a tenant reads in a label, a tooltip or a picker. Whether
// an id is acceptable is the core's to decide: the check here only catches what cannot be one.

import * as ipc from '../ipc';
import type { TenantEntry } from '../ipc';
import type { MenuItem } from './actions';
import { plainError } from './offline';

/** The part of the IPC surface the directory uses, so tests can hand in a fake. */
export type Core = Pick<typeof ipc, 'tenantDirectory' | 'addTenant' | 'renameTenant'>;

type Named = { id: string; name?: string | null };

/** The tenant's name when it has one, else its id. */
export function tenantLabel(tenant: Named): string {
  const name = tenant.name?.trim() ?? '';
  return name === '' ? tenant.id : name;
}

/** Whether a name is shown in place of the id (so the id goes alongside, muted). */
export function isNamed(tenant: Named): boolean {
  return tenantLabel(tenant) !== tenant.id;
}

/** The tooltip: "Acme Corporation (acme)", with "no files yet" for a tenant added by hand. */
export function tenantTitle(tenant: TenantEntry): string {
  const who = isNamed(tenant) ? `${tenantLabel(tenant)} (${tenant.id})` : tenant.id;
  return tenant.has_files ? who : `${who} · no files yet`;
}

/** A picker's option: "Acme Corporation (acme)", or the bare id. */
export function optionLabel(tenant: Named): string {
  return isNamed(tenant) ? `${tenantLabel(tenant)} (${tenant.id})` : tenant.id;
}

/**
 * Why `text` cannot be a tenant id, or null when the core should judge it. Only the plain cases:
 * nothing typed, a path, spaces (the core's message names the exact rule for anything else).
 */
export function tenantIdProblem(text: string): string | null {
  const id = text.trim();
  if (id === '') return 'Type the tenant’s ID.';
  if (id.includes('/')) return 'A tenant ID is one folder name, without “/”.';
  if (/\s/.test(id)) return 'A tenant ID has no spaces; use “-” or “_” between words.';
  return null;
}

export class TenantDirectory {
  /** Null until the first answer. */
  entries = $state.raw<TenantEntry[] | null>(null);
  /** Why the last load failed; the entries shown before stay. */
  error = $state<string | null>(null);
  readonly #core: Core;
  #generation = 0;

  constructor(core: Core = ipc) {
    this.#core = core;
  }

  /** Asks the core again; a newer answer wins over an older one that arrives late. */
  async load(): Promise<void> {
    const mine = ++this.#generation;
    this.error = null;
    try {
      const list = await this.#core.tenantDirectory();
      if (mine === this.#generation) this.entries = list;
    } catch (failure) {
      if (mine !== this.#generation) return;
      this.error = plainError(failure);
      this.entries ??= [];
    }
  }

  /** Adds a tenant; throws the core's refusal (a taken or unusable id) for the dialog to show. */
  async add(id: string, name: string | null): Promise<void> {
    const list = await this.#core.addTenant(id.trim(), name?.trim() || null);
    this.#settle(list);
  }

  /** Names a tenant; an empty name clears it. Throws the core's refusal for the dialog. */
  async rename(id: string, name: string): Promise<void> {
    const list = await this.#core.renameTenant(id, name.trim());
    this.#settle(list);
  }

  /** The whole list came back with the change: it replaces any load still under way. */
  #settle(list: TenantEntry[]): void {
    this.#generation += 1;
    this.error = null;
    this.entries = list;
  }

  entry(id: string): TenantEntry | undefined {
    return this.entries?.find((t) => t.id === id);
  }

  /** The tenant's name, or its id when it has none or is not (yet) known here. */
  label(id: string): string {
    const found = this.entry(id);
    return found ? tenantLabel(found) : id;
  }
}

export type TenantAction = 'open' | 'rename' | 'copy-id';

/** A tenant's context menu in the sidebar. */
export function tenantActions(): MenuItem<TenantAction>[] {
  return [
    { id: 'open', label: 'Open', shortcut: 'Enter', testid: 'tenant-menu-open' },
    { id: 'rename', label: 'Rename…', shortcut: 'F2', testid: 'tenant-menu-rename' },
    { id: 'copy-id', label: 'Copy tenant ID', testid: 'tenant-menu-copy-id' },
  ];
}
