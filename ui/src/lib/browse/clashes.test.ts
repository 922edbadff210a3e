import { describe, expect, it } from 'vitest';
import type { Clash } from '../ipc';
import { choicesLine, clashHeadline, clashQuestion, folderName, identicalLine, nothingLeftLine, planDownload } from './clashes';

const keys = ['acme/documents/a.pdf', 'acme/documents/b.pdf', 'acme/images/c.jpg'];
const differs = (key: string): Clash => ({ key, local: `/home/a/Downloads/${key.split('/').pop()}`, identical: false });
const same = (key: string): Clash => ({ ...differs(key), identical: true });

describe('clashQuestion', () => {
  it('asks nothing when the folder has none of the files', () => {
    expect(clashQuestion('/home/a/Downloads', [])).toBeNull();
  });

  it('asks nothing when every file there already holds its object', () => {
    expect(clashQuestion('/home/a/Downloads', [same(keys[0]), same(keys[1])])).toBeNull();
  });

  it('asks about the files that differ and counts the identical ones', () => {
    expect(clashQuestion('/home/a/Downloads', [differs(keys[0]), same(keys[1])])).toEqual({
      dir: '/home/a/Downloads',
      folder: 'Downloads',
      differing: [differs(keys[0])],
      identical: 1,
    });
  });
});

describe('planDownload', () => {
  const clashes = [differs(keys[0]), same(keys[1])];

  it('downloads everything without replacing when nothing was asked', () => {
    expect(planDownload(keys, [], null)).toEqual({ keys, replace: false });
  });

  it('Replace downloads everything over the files there', () => {
    expect(planDownload(keys, clashes, 'replace')).toEqual({ keys, replace: true });
  });

  it('Keep both downloads everything next to the files there', () => {
    expect(planDownload(keys, clashes, 'keep-both')).toEqual({ keys, replace: false });
  });

  it('Skip leaves out the files that differ, and keeps the identical ones for the core to skip', () => {
    expect(planDownload(keys, clashes, 'skip')).toEqual({ keys: [keys[1], keys[2]], replace: false });
  });

  it('Skip can leave nothing to download', () => {
    expect(planDownload(keys.slice(0, 2), [differs(keys[0]), differs(keys[1])], 'skip')).toEqual({ keys: [], replace: false });
  });
});

describe('clash words', () => {
  it('names the folder by its own name, whichever the separator', () => {
    expect(folderName('/home/a/Downloads')).toBe('Downloads');
    expect(folderName('/home/a/Downloads/')).toBe('Downloads');
    expect(folderName('C:\\Users\\a\\Downloads')).toBe('Downloads');
    expect(folderName('/')).toBe('/');
  });

  it('counts the files that differ in the headline', () => {
    const one = clashQuestion('/home/a/Downloads', [differs(keys[0])])!;
    const two = clashQuestion('/home/a/Downloads', [differs(keys[0]), differs(keys[1])])!;
    expect(clashHeadline(one)).toBe('1 file already exists in Downloads');
    expect(clashHeadline(two)).toBe('2 files already exist in Downloads');
    expect(choicesLine(one)).toBe('Replace it with the download, keep both (the download gets a “ (1)” name), or skip it.');
    expect(choicesLine(two)).toContain('Replace them with the downloads');
    expect(nothingLeftLine(two)).toBe('Nothing downloaded: skipped 2 files already in Downloads');
  });

  it('mentions identical files only when there are some', () => {
    const none = clashQuestion('/d', [differs(keys[0])])!;
    const one = clashQuestion('/d', [differs(keys[0]), same(keys[1])])!;
    const two = clashQuestion('/d', [differs(keys[0]), same(keys[1]), same(keys[2])])!;
    expect(identicalLine(none)).toBe('');
    expect(identicalLine(one)).toBe('1 is already there and identical; it will be skipped.');
    expect(identicalLine(two)).toBe('2 are already there and identical; they will be skipped.');
  });
});
