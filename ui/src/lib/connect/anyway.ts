// "Save anyway" on the Connect screen. A new R2 API token can take up to a minute to start
// working, so a Connect whose test failed right after the token was made may not be wrong at
// all; the person may then keep the connection without waiting. What is kept is exactly the form
// that was tried: the screen withdraws the offer as soon as a field is edited, or another request
// starts. Pure: no IPC, no Svelte.

import type { ConnectForm, ConnectionReport } from '../ipc';

/** Why saving a connection whose test failed can make sense, in one line under the button. */
export const SAVE_ANYWAY_REASON = 'A new R2 token can take up to a minute to start working. Save it now and Cubby will use it when it does.';

/** The form a Connect tried that "Save anyway" may keep, or null when there is nothing to offer. */
export function saveAnywayOffer(tried: ConnectForm, report: ConnectionReport): ConnectForm | null {
  // An ok report was saved already; the core saves nothing else unless asked to.
  return report.ok ? null : tried;
}
