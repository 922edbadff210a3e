// The top bar's search across the bucket: what is typed, the core's answer for it, and which
// result the arrow keys are on. The core searches the names its listings have seen (every
// folder opened, every usage report); "Search the whole bucket" has it list everything first.
// Typing waits DEBOUNCE_MS for a pause, and an answer for older text never replaces a newer one.
// Where a chosen result takes the browser is `revealOf`; the window carries it out.

import * as ipc from '../ipc';
import type { Findings, Found } from '../ipc';
import { folderOf } from './move';
import { plainError } from './offline';

/** The part of the IPC surface the search uses, so tests can hand in a fake. */
export type Core = Pick<typeof ipc, 'findFiles'>;

/** Fewer characters match too much of a big bucket to be worth a round trip. */
export const MIN_CHARS = 2;
export const DEBOUNCE_MS = 150;

/** Whether `text` is long enough to search for. */
export function searchable(text: string): boolean {
  return text.trim().length >= MIN_CHARS;
}

/** A file to show: the folder to open and the key to select there. */
export type Reveal = { folder: string; key: string };

/** Where a found file (or any key) is shown: its folder, with it selected. */
export function revealOf(file: { key: string; folder?: string }): Reveal {
  const folder = file.folder && file.folder.endsWith('/') ? file.folder : folderOf(file.key);
  return { folder, key: file.key };
}

/** The folder inside its tenant, as a result's second line says it: "documents", "documents/2024". */
export function folderWithin(folder: string, tenant: string): string {
  const inside = folder.startsWith(`${tenant}/`) ? folder.slice(tenant.length + 1) : folder;
  return inside.replace(/\/+$/, '');
}

export type Part = { text: string; match: boolean };

/** `name` cut around each occurrence of `text` (ignoring case), for the match to be marked. */
export function highlight(name: string, text: string): Part[] {
  const needle = text.trim().toLowerCase();
  if (needle === '') return [{ text: name, match: false }];
  const haystack = name.toLowerCase();
  const parts: Part[] = [];
  let at = 0;
  for (let hit = haystack.indexOf(needle); hit !== -1; hit = haystack.indexOf(needle, at)) {
    if (hit > at) parts.push({ text: name.slice(at, hit), match: false });
    parts.push({ text: name.slice(hit, hit + needle.length), match: true });
    at = hit + needle.length;
  }
  if (at < name.length) parts.push({ text: name.slice(at), match: false });
  return parts;
}

export class Search {
  /** What the box holds. */
  text = $state('');
  /** The latest answer, for `asked`; kept while newer text is being searched, so nothing blinks. */
  findings = $state.raw<Findings | null>(null);
  asked = $state('');
  /** A search for the text as typed is pending or running. */
  searching = $state(false);
  /** The whole bucket is being listed for the index. */
  everywhere = $state(false);
  error = $state<string | null>(null);
  /** The result the arrow keys are on; -1 for none. */
  active = $state(-1);
  readonly #core: Core;
  readonly #wait: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #generation = 0;

  constructor(core: Core = ipc, wait = DEBOUNCE_MS) {
    this.#core = core;
    this.#wait = wait;
  }

  get results(): Found[] {
    return this.findings?.results ?? [];
  }

  /** The result Enter would open: the active one. */
  get chosen(): Found | null {
    return this.results[this.active] ?? null;
  }

  /** The text changed: searched for after a pause in typing; too short, and the answer goes. */
  input(text: string): void {
    this.text = text;
    clearTimeout(this.#timer);
    this.error = null;
    if (!searchable(text)) {
      this.#generation += 1;
      this.findings = null;
      this.asked = '';
      this.active = -1;
      this.searching = false;
      return;
    }
    this.searching = true;
    this.#timer = setTimeout(() => void this.#run(text), this.#wait);
  }

  /** Empties the box (Esc). */
  clear(): void {
    this.input('');
  }

  /** Arrow keys: through the results, wrapping at either end. */
  move(delta: number): void {
    const count = this.results.length;
    if (count === 0) return;
    this.active = this.active === -1 ? (delta > 0 ? 0 : count - 1) : (((this.active + delta) % count) + count) % count;
  }

  /**
   * Lists the whole bucket into the index, then answers the text. Typing meanwhile is answered
   * too, and again from the fuller index once the listing ends.
   */
  async searchEverywhere(): Promise<void> {
    if (this.everywhere || !searchable(this.text)) return;
    clearTimeout(this.#timer);
    const text = this.text;
    const mine = ++this.#generation;
    this.everywhere = true;
    this.error = null;
    try {
      const findings = await this.#core.findFiles(text.trim(), null, true);
      if (mine === this.#generation) this.#show(text, findings);
      else if (searchable(this.text)) void this.#run(this.text);
    } catch (failure) {
      if (mine === this.#generation) this.error = plainError(failure);
    } finally {
      this.everywhere = false;
    }
  }

  /** Stops a pending search; the window is going away. */
  dispose(): void {
    clearTimeout(this.#timer);
    this.#generation += 1;
  }

  async #run(text: string): Promise<void> {
    const mine = ++this.#generation;
    this.searching = true;
    try {
      const findings = await this.#core.findFiles(text.trim(), null, false);
      if (mine === this.#generation) this.#show(text, findings);
    } catch (failure) {
      if (mine === this.#generation) this.error = plainError(failure);
    } finally {
      if (mine === this.#generation) this.searching = false;
    }
  }

  #show(text: string, findings: Findings): void {
    this.findings = findings;
    this.asked = text;
    this.searching = false;
    this.active = findings.results.length > 0 ? 0 : -1;
  }
}
