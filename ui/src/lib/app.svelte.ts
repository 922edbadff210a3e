// App-wide state: what the core said about profiles and which screen follows
// from it. Screens read `app`; they call the core through ../ipc for their own
// work and tell `app` when the set of profiles has changed.

import * as ipc from './ipc';
import type { AppStatus, ProfileSummary } from './ipc';

/** The part of the IPC surface this module uses, so tests can hand in a fake. */
export type Core = Pick<typeof ipc, 'appStatus' | 'useProfile' | 'removeProfile'>;

export type Screen = 'loading' | 'unreachable' | 'connect' | 'main';

export class AppState {
  /** The core's last answer to app_status; null until the first one arrives. */
  status = $state<AppStatus | null>(null);
  /** Why the first app_status failed, in plain words. */
  loadError = $state<string | null>(null);
  /** The user chose "Add connection…" and is on the Connect screen on purpose. */
  adding = $state(false);
  /** Set once the user connected in this session, so a lagging first_run flag cannot trap them. */
  #connectedOnce = $state(false);
  readonly #core: Core;

  constructor(core: Core = ipc) {
    this.#core = core;
  }

  get screen(): Screen {
    if (this.status === null) return this.loadError === null ? 'loading' : 'unreachable';
    if (this.adding || this.status.active === null) return 'connect';
    if (this.status.first_run && !this.#connectedOnce) return 'connect';
    return 'main';
  }

  get active(): ProfileSummary | null {
    return this.status?.active ?? null;
  }

  get profiles(): ProfileSummary[] {
    return this.status?.profiles ?? [];
  }

  /** Whether the Connect screen may offer a way back to the main layout. */
  get canLeaveConnect(): boolean {
    return this.screen === 'connect' && this.adding && this.active !== null;
  }

  /** First load at start-up; failures become `loadError` for the "core unreachable" screen. */
  async load(): Promise<void> {
    this.loadError = null;
    try {
      this.status = await this.#core.appStatus();
    } catch (error) {
      this.loadError = ipc.errorMessage(error);
    }
  }

  /** Re-reads app_status; throws so the caller can say what failed. */
  async refresh(): Promise<void> {
    this.status = await this.#core.appStatus();
  }

  startAdding(): void {
    this.adding = true;
  }

  cancelAdding(): void {
    this.adding = false;
  }

  /** A profile was connected (or imported, or the sandbox started) and made default. */
  async connected(): Promise<void> {
    this.#connectedOnce = true;
    this.adding = false;
    await this.refresh();
  }

  async switchTo(name: string): Promise<void> {
    await this.#core.useProfile(name);
    await this.refresh();
  }

  async remove(name: string): Promise<void> {
    await this.#core.removeProfile(name);
    await this.refresh();
  }
}

export const app = new AppState();
