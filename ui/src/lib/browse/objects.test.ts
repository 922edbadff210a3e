import { describe, expect, it } from 'vitest';
import { extensionChange, extensionOf, renamedEntry, stemRange, withExtension } from './rename';
import { crossTenantQuestion, folderOf, movable, normalizeFolder, tenantsLeft } from './move';
import { neighbour, previewKind } from './preview';
import type { Row } from './rows';
import { fileActions } from './actions';

describe('stemRange', () => {
  it('selects the name before the last dot', () => {
    expect(stemRange('receipt.jpg')).toEqual([0, 7]);
    expect(stemRange('archive.tar.gz')).toEqual([0, 11]);
  });

  it('selects everything without an extension or for a dot file', () => {
    expect(stemRange('README')).toEqual([0, 6]);
    expect(stemRange('.env')).toEqual([0, 4]);
    expect(stemRange('')).toEqual([0, 0]);
  });
});

describe('extensions', () => {
  it('finds the extension after the last dot, not a dot between words', () => {
    expect(extensionOf('report.pdf')).toBe('.pdf');
    expect(extensionOf('archive.tar.gz')).toBe('.gz');
    expect(extensionOf('v1.2 notes')).toBe('');
    expect(extensionOf('Mr. Smith')).toBe('');
    expect(extensionOf('.env')).toBe('');
    expect(extensionOf('report.')).toBe('');
    expect(extensionOf('README')).toBe('');
  });

  it('selects only the stem of a name whose dot is not an extension’s', () => {
    expect(stemRange('v1.2 notes')).toEqual([0, 10]);
  });

  // Regression: select-all and typing "report" silently turned report.pdf into a file with no type.
  it('asks when a new name drops or swaps the extension, not when only its case changes', () => {
    expect(extensionChange('invoice.pdf', 'report')).toEqual({ kind: 'removed', from: '.pdf' });
    expect(extensionChange('invoice.pdf', 'report.txt')).toEqual({ kind: 'changed', from: '.pdf', to: '.txt' });
    expect(extensionChange('invoice.pdf', 'report.PDF')).toBeNull();
    expect(extensionChange('invoice.pdf', 'report.pdf ')).toBeNull();
    expect(extensionChange('README', 'README.md')).toBeNull();
    expect(extensionChange('.env', 'env')).toBeNull();
  });

  it('puts the old extension back on a new name', () => {
    expect(withExtension('report', '.pdf')).toBe('report.pdf');
    expect(withExtension('report.', '.pdf')).toBe('report.pdf');
    expect(withExtension('report.txt', '.pdf')).toBe('report.pdf');
    expect(withExtension(' v1.2 notes ', '.pdf')).toBe('v1.2 notes.pdf');
  });
});

describe('renamedEntry', () => {
  it('reads the shown name back from the new key, stamp and all', () => {
    const file = { key: 'acme/documents/20250127_123456_abc123_receipt.jpg', name: 'receipt.jpg', size: 5, modified: null, content_type: 'image/jpeg' };
    const row = renamedEntry(file, 'acme/documents/20250127_123456_abc123_March_lunch.pdf', 'application/pdf');
    expect(row).toEqual({ ...file, key: 'acme/documents/20250127_123456_abc123_March_lunch.pdf', name: 'March_lunch.pdf', content_type: 'application/pdf' });
  });
});

describe('moving', () => {
  it('normalizes a typed folder', () => {
    expect(normalizeFolder(' /acme//archive/2024 ')).toBe('acme/archive/2024/');
    expect(normalizeFolder('acme/images/')).toBe('acme/images/');
    expect(normalizeFolder(' / ')).toBe('');
  });

  it('knows the folder of a key and leaves keys already there', () => {
    expect(folderOf('acme/images/a.jpg')).toBe('acme/images/');
    expect(movable(['acme/images/a.jpg', 'acme/uploads/b.jpg'], 'acme/images/')).toEqual(['acme/uploads/b.jpg']);
  });

  it('finds the tenants a move would leave', () => {
    expect(tenantsLeft(['acme/uploads/a.jpg', 'acme/uploads/b.jpg'], 'acme/images/')).toEqual([]);
    expect(tenantsLeft(['acme/uploads/a.jpg', 'acme/uploads/b.jpg'], 'globex/images/')).toEqual(['acme']);
    expect(tenantsLeft(['acme/uploads/a.jpg', 'initech/x/b.jpg', 'globex/images/c.jpg'], 'globex/images/')).toEqual(['acme', 'initech']);
  });

  it('asks the cross-tenant question with counts and names', () => {
    expect(crossTenantQuestion(3, ['acme'], 'globex/images/')).toBe('Move 3 files from acme to globex?');
    expect(crossTenantQuestion(1, ['acme', 'initech'], 'globex/')).toBe('Move 1 file from acme, initech to globex?');
  });
});

describe('preview', () => {
  it('previews images and PDFs but not SVG or text', () => {
    expect(previewKind('image/jpeg')).toBe('image');
    expect(previewKind('application/pdf')).toBe('pdf');
    expect(previewKind('image/svg+xml')).toBeNull();
    expect(previewKind('text/plain')).toBeNull();
  });

  it('steps through files only and stops at the ends', () => {
    const file = (name: string): Row => ({ kind: 'file', key: `acme/x/${name}`, name, size: 0, modified: null, content_type: 'image/png' });
    const rows: Row[] = [{ kind: 'folder', name: 'sub', prefix: 'acme/x/sub/', category: null }, file('a'), file('b')];
    expect(neighbour(rows, 'acme/x/a', 1)?.name).toBe('b');
    expect(neighbour(rows, 'acme/x/a', -1)).toBeNull();
    expect(neighbour(rows, 'acme/x/b', 1)).toBeNull();
  });
});

describe('fileActions', () => {
  const ids = (items: ReturnType<typeof fileActions>) => items.filter((i) => !i.disabled).map((i) => i.id);

  it('offers everything for one file', () => {
    expect(ids(fileActions(1, 0))).toEqual(['preview', 'download', 'share', 'copy-link', 'copy-key', 'rename', 'move', 'properties', 'delete']);
    expect(fileActions(1, 0).find((i) => i.id === 'copy-link')?.label).toBe('Copy link (1 day)');
  });

  it('keeps single-file actions listed but disabled for several files', () => {
    const items = fileActions(3, 0);
    expect(items.map((i) => i.id)).toContain('rename');
    expect(ids(items)).toEqual(['download', 'copy-key', 'move', 'delete']);
    expect(items.find((i) => i.id === 'move')?.label).toBe('Move 3 files to…');
  });

  it('offers the public URL only when the profile has one', () => {
    expect(ids(fileActions(1, 0, true))).toContain('copy-public-url');
    expect(fileActions(2, 0, true).find((i) => i.id === 'copy-public-url')?.label).toBe('Copy public URLs');
    expect(fileActions(1, 0, false).map((i) => i.id)).not.toContain('copy-public-url');
  });

  it('only opens a folder or copies its prefix', () => {
    expect(ids(fileActions(0, 1))).toEqual(['open', 'copy-key']);
    expect(fileActions(0, 0)).toEqual([]);
  });
});
