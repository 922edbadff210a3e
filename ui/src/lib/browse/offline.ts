// Whether storage can be reached, as the window tells it: a failure the core marks `unreachable`
// (no network, DNS, a refused or timed-out connection) means "offline, keep trying", not "this
// folder is broken". Pure: the state, the waits between retries and the words, so each can be
// tested without timers or a DOM. Who retries what is the listing's (./listing.svelte.ts).

import { errorMessage, IpcFailure } from '../ipc';

/** The IPC codes that mean storage did not answer at all (see crates/core/src/error.rs). */
export const UNREACHABLE_CODES: ReadonlySet<string> = new Set(['unreachable']);

/** Whether `failure` says storage could not be reached, rather than refused or failed the request. */
export function isUnreachable(failure: unknown): boolean {
  return failure instanceof IpcFailure && UNREACHABLE_CODES.has(failure.code);
}

export const CANT_REACH = 'Can’t reach storage';

/** Words for a failure in a dialog or a line: plain when storage is unreachable, the core's otherwise. */
export function plainError(failure: unknown): string {
  return isUnreachable(failure) ? `${CANT_REACH}. Check your network connection and try again.` : errorMessage(failure);
}

/** Waits between automatic retries: 2 s, 4 s, 8 s, 16 s, then every 30 s. */
export function retryDelay(attempts: number): number {
  return Math.min(30_000, 2_000 * 2 ** Math.max(0, attempts - 1));
}

/**
 * Offline since the first failed listing: how many listings have failed in a row and when the next
 * automatic one runs (ms since the epoch). `retrying` while one is under way.
 */
export type Offline = { readonly since: number; readonly attempts: number; readonly retryAt: number; readonly retrying: boolean };

/** One more listing could not reach storage at `now`. */
export function failedAgain(state: Offline | null, now: number): Offline {
  const attempts = (state?.attempts ?? 0) + 1;
  return { since: state?.since ?? now, attempts, retryAt: now + retryDelay(attempts), retrying: false };
}

/** A retry started (on its own or from the Retry button). */
export function retrying(state: Offline): Offline {
  return { ...state, retrying: true };
}

/** The status bar's words while offline. */
export function offlineLine(state: Offline): string {
  return state.retrying ? `${CANT_REACH} — trying again…` : `${CANT_REACH} — retrying…`;
}

/** The status bar's tooltip: for how long, and when the next try is. */
export function offlineDetail(state: Offline, now: number): string {
  const tries = state.attempts === 1 ? '1 try' : `${state.attempts} tries`;
  const since = new Date(state.since).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  if (state.retrying) return `No answer since ${since} (${tries}); trying again now.`;
  const secs = Math.max(1, Math.ceil((state.retryAt - now) / 1000));
  return `No answer since ${since} (${tries}); next try in ${secs} s. Retry in the files view tries at once.`;
}
