import { afterEach, describe, expect, it, vi } from 'vitest';
import { DROP_FOLDER, dropTarget, folderAt } from './drop';

describe('dropTarget', () => {
  it('sends files dropped onto a category into that tenant and category', () => {
    expect(dropTarget('acme/images/')).toEqual({ tenant: 'acme', category: 'images' });
    expect(dropTarget('acme/uploads/2025/')).toEqual({ tenant: 'acme', category: 'uploads' });
  });

  it('takes nothing outside a tenant’s categories', () => {
    expect(dropTarget(null)).toBeNull();
    expect(dropTarget('')).toBeNull();
    expect(dropTarget('acme/')).toBeNull();
    expect(dropTarget('acme/archive/')).toBeNull();
  });
});

describe('folderAt', () => {
  afterEach(() => vi.unstubAllGlobals());

  /** A page where the element under every point sits inside a row marked with `marks`. */
  function page(marks: Record<string, string>) {
    const row = { getAttribute: (name: string) => marks[name] ?? null };
    const under = { closest: (selector: string) => (Object.keys(marks).some((m) => selector === `[${m}]`) ? row : null) };
    const elementFromPoint = vi.fn(() => under);
    vi.stubGlobal('document', { elementFromPoint });
    return elementFromPoint;
  }

  it('reads the folder from the drop attribute under the pointer', () => {
    const elementFromPoint = page({ [DROP_FOLDER]: 'acme/images/' });
    expect(folderAt({ x: 40, y: 300 })).toBe('acme/images/');
    expect(elementFromPoint).toHaveBeenCalledWith(40, 300);
  });

  // Test IDs are for tests; a row that only carries one is not a place to drop files.
  it('ignores rows marked only with a test ID', () => {
    page({ 'data-testid': 'folder-acme/images/' });
    expect(folderAt({ x: 40, y: 300 })).toBeNull();
  });

  it('finds nothing without a position', () => {
    page({ [DROP_FOLDER]: 'acme/images/' });
    expect(folderAt(null)).toBeNull();
  });
});
