// Files a download meets in the folder it goes to, and what the person's one answer for the
// batch does to it: Replace them, Keep both (the core saves a " (1)" copy) or Skip them. A local
// file that already holds the object's content is never a question: the core skips it by itself
// and says so in the drawer. Pure: the question, the answer's effect on the batch and its words;
// asking is the window's (the Dialogs store), downloading is ./batches.

import type { Clash } from '../ipc';

export type ClashChoice = 'replace' | 'keep-both' | 'skip';

/** What the person is asked before a download into `dir`. */
export type ClashQuestion = {
  dir: string;
  /** The folder's own name ("Downloads"), as the question says it. */
  folder: string;
  /** Files there with the same name as an object but other content. */
  differing: Clash[];
  /** How many files there already hold their object's content. */
  identical: number;
};

/** Shows the question and resolves with the answer, or null when the person cancelled. */
export type AskClash = (question: ClashQuestion) => Promise<ClashChoice | null>;

/** What to download, and whether files of the same name are overwritten. */
export type DownloadPlan = { keys: string[]; replace: boolean };

const files = (n: number) => `${n} file${n === 1 ? '' : 's'}`;

/** The last part of a local folder path, whichever the separator; the path itself for a root. */
export function folderName(dir: string): string {
  return dir.split(/[\\/]+/).filter((part) => part !== '').pop() ?? dir;
}

/** The question to ask before downloading into `dir`, or null when no file there differs. */
export function clashQuestion(dir: string, clashes: Clash[]): ClashQuestion | null {
  const differing = clashes.filter((c) => !c.identical);
  if (differing.length === 0) return null;
  return { dir, folder: folderName(dir), differing, identical: clashes.length - differing.length };
}

/**
 * The download an answer asks for; `choice` is null when nothing was asked. Identical files stay
 * in the batch whatever the answer: the core skips them itself and reports them as done.
 */
export function planDownload(keys: string[], clashes: Clash[], choice: ClashChoice | null): DownloadPlan {
  if (choice === 'replace') return { keys, replace: true };
  if (choice !== 'skip') return { keys, replace: false };
  const skipped = new Set(clashes.filter((c) => !c.identical).map((c) => c.key));
  return { keys: keys.filter((key) => !skipped.has(key)), replace: false };
}

/** "3 files already exist in Downloads". */
export function clashHeadline(question: ClashQuestion): string {
  const n = question.differing.length;
  return `${files(n)} already ${n === 1 ? 'exists' : 'exist'} in ${question.folder}`;
}

/** What each answer does, in the number the question asks about. */
export function choicesLine(question: ClashQuestion): string {
  return question.differing.length === 1
    ? 'Replace it with the download, keep both (the download gets a “ (1)” name), or skip it.'
    : 'Replace them with the downloads, keep both (the downloads get a “ (1)” name), or skip them.';
}

/** The line about files that need no download, or '' when there are none. */
export function identicalLine(question: ClashQuestion): string {
  const n = question.identical;
  if (n === 0) return '';
  return n === 1 ? '1 is already there and identical; it will be skipped.' : `${n} are already there and identical; they will be skipped.`;
}

/** The toast when Skip left nothing to download. */
export function nothingLeftLine(question: ClashQuestion): string {
  return `Nothing downloaded: skipped ${files(question.differing.length)} already in ${question.folder}`;
}
