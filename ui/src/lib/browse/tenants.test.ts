import { describe, expect, it, vi } from 'vitest';
import { IpcFailure, type TenantEntry } from '../ipc';
import { TenantDirectory, isNamed, optionLabel, tenantActions, tenantIdProblem, tenantLabel, tenantTitle, type Core } from './tenants.svelte';

const acme: TenantEntry = { id: 'acme', name: 'Acme Corporation', has_files: true };
const globex: TenantEntry = { id: 'globex', name: null, has_files: true };
const initech: TenantEntry = { id: 'initech', name: 'Initech', has_files: false };

describe('tenant labels', () => {
  it('show the name when there is one, else the id', () => {
    expect(tenantLabel(acme)).toBe('Acme Corporation');
    expect(tenantLabel(globex)).toBe('globex');
    // A name of spaces is no name: the id must not vanish behind a blank label.
    expect(tenantLabel({ id: 'blank', name: '   ' })).toBe('blank');
    expect(isNamed(acme)).toBe(true);
    expect(isNamed(globex)).toBe(false);
  });

  it('keep the id in the tooltip and the picker, and say when a tenant has no files yet', () => {
    expect(tenantTitle(acme)).toBe('Acme Corporation (acme)');
    expect(tenantTitle(globex)).toBe('globex');
    expect(tenantTitle(initech)).toBe('Initech (initech) · no files yet');
    expect(optionLabel(acme)).toBe('Acme Corporation (acme)');
    expect(optionLabel(globex)).toBe('globex');
  });
});

describe('tenantIdProblem', () => {
  it('catches only what can never be an id, leaving the rest to the core', () => {
    expect(tenantIdProblem('  ')).toMatch(/Type the tenant/);
    expect(tenantIdProblem('acme/documents')).toMatch(/without “\/”/);
    expect(tenantIdProblem('acme corp')).toMatch(/no spaces/);
    expect(tenantIdProblem('acme-corp')).toBeNull();
    // The core decides about these, with a message that names its rule.
    expect(tenantIdProblem('.hidden')).toBeNull();
    expect(tenantIdProblem('ÄCME')).toBeNull();
  });
});

function fakeCore(over: Partial<Core> = {}): Core {
  return {
    tenantDirectory: vi.fn(async () => [acme, globex]),
    addTenant: vi.fn(async (id: string, name: string | null) => [acme, globex, { id, name, has_files: false }]),
    renameTenant: vi.fn(async (_id: string, name: string) => [acme, { ...globex, name: name || null }]),
    ...over,
  };
}

describe('TenantDirectory', () => {
  it('loads the list in the core’s order and labels tenants by it', async () => {
    const directory = new TenantDirectory(fakeCore());
    expect(directory.label('acme')).toBe('acme');
    await directory.load();
    expect(directory.entries?.map((t) => t.id)).toEqual(['acme', 'globex']);
    expect(directory.label('acme')).toBe('Acme Corporation');
    expect(directory.label('unknown')).toBe('unknown');
  });

  it('sends a trimmed id and no empty name when adding, and takes the list the core returns', async () => {
    const core = fakeCore();
    const directory = new TenantDirectory(core);
    await directory.add(' initech ', '  ');
    expect(core.addTenant).toHaveBeenCalledWith('initech', null);
    expect(directory.entry('initech')?.has_files).toBe(false);
  });

  it('clears a name with an empty string and shows the id again', async () => {
    const core = fakeCore({ tenantDirectory: vi.fn(async () => [acme, { ...globex, name: 'Globex' }]) });
    const directory = new TenantDirectory(core);
    await directory.load();
    expect(directory.label('globex')).toBe('Globex');
    await directory.rename('globex', ' ');
    expect(core.renameTenant).toHaveBeenCalledWith('globex', '');
    expect(directory.label('globex')).toBe('globex');
  });

  it('throws the core’s refusal to the dialog and keeps the list as it was', async () => {
    const refusal = new IpcFailure({ code: 'invalid', message: 'tenant id “.x” must not start with “.”' });
    const directory = new TenantDirectory(fakeCore({ addTenant: vi.fn(async () => Promise.reject(refusal)) }));
    await directory.load();
    await expect(directory.add('.x', null)).rejects.toBe(refusal);
    expect(directory.entries?.length).toBe(2);
  });

  it('keeps the newer answer when an older load arrives late', async () => {
    let answerFirst: (list: TenantEntry[]) => void = () => {};
    const calls = [new Promise<TenantEntry[]>((resolve) => (answerFirst = resolve)), Promise.resolve([acme])];
    const directory = new TenantDirectory(fakeCore({ tenantDirectory: vi.fn(() => calls.shift()!) }));
    const first = directory.load();
    await directory.load();
    answerFirst([acme, globex, initech]);
    await first;
    expect(directory.entries).toEqual([acme]);
  });

  it('says why it could not load, with an empty list the first time', async () => {
    const directory = new TenantDirectory(fakeCore({ tenantDirectory: vi.fn(async () => Promise.reject(new Error('Access denied'))) }));
    await directory.load();
    expect(directory.error).toBe('Access denied');
    expect(directory.entries).toEqual([]);
  });
});

describe('tenantActions', () => {
  it('offers Rename with ids of its own, apart from the file menu’s', () => {
    const items = tenantActions();
    expect(items.map((i) => i.id)).toEqual(['open', 'rename', 'copy-id']);
    expect(items.find((i) => i.id === 'rename')).toMatchObject({ label: 'Rename…', shortcut: 'F2', testid: 'tenant-menu-rename' });
  });
});
