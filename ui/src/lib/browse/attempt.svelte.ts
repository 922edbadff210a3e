// A dialog's one request to the core (rename a file, name or add a tenant): busy while it runs,
// so the dialog holds its box and buttons and ignores Esc, and the refusal after it in plain
// words (./offline.ts), to show under the box. What the dialog checks or asks first is its own.

import { plainError } from './offline';

export class Attempt {
  busy = $state(false);
  /** Why the last request failed; the dialog clears it when the person types again. */
  error = $state<string | null>(null);

  /**
   * Runs `work`, clearing the last refusal first. A failure is kept in `error`, then `onfail`
   * runs (the dialog puts the focus back in its box, readonly until `busy` drops right after).
   */
  async run(work: () => Promise<void>, onfail?: () => void): Promise<void> {
    this.busy = true;
    this.error = null;
    try {
      await work();
    } catch (failure) {
      this.error = plainError(failure);
      onfail?.();
    } finally {
      this.busy = false;
    }
  }
}
