// The window's one toast: a short line after a finished action ("Link copied"), gone after a
// few seconds. A newer line replaces the older one and gets the full time again. Errors that
// need reading or acting on are banners, not toasts.

export const TOAST_MS = 4000;

export class Toast {
  text = $state<string | null>(null);
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** Bound, so it can be handed to dialogs as their `ontoast`. */
  show = (text: string): void => {
    this.text = text;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => (this.text = null), TOAST_MS);
  };

  /** The window is going away: no timer outlives it. */
  stop(): void {
    clearTimeout(this.#timer);
  }
}
