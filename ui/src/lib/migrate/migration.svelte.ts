// The Migrate view's state: the form (copy from, into, prefix), the plan checked for it, the
// run's progress and its report. The window keeps one for its lifetime (../screens/Main.svelte),
// so a run goes on, and its progress is still there, while the person looks at other views. A
// plan belongs to the form it was made for: change the pair or the prefix and it must be checked
// again before a run may start. A run can be stopped: the objects being copied finish, the rest
// are reported as not started, and a run again copies them. The core lists, copies and verifies;
// this only asks and shows.

import * as ipc from '../ipc';
import type { MigrationPlan, MigrationProgress, MigrationReport, ProfileSummary } from '../ipc';
import { defaultPair, formKey, type MigrationForm } from './plan';
import { addSample, rateOf, type Rate, type Sample } from './progress';

/** The part of the IPC surface the migration uses, so tests can hand in a fake. */
export type Core = Pick<typeof ipc, 'migrationPlan' | 'runMigration' | 'cancelMigration'>;

/** How long Stop waits before asking again when the core had not taken the run on yet. */
export const STOP_RETRY_MS = 250;

export type Options = {
  core?: Core;
  /** Milliseconds, for the rate; tests pass their own. */
  now?: () => number;
  /** Milliseconds between Stop's asks (see `stop`); tests pass their own. */
  stopRetryMs?: number;
  /** A run ended with a report (not with an error): the window may refresh what it shows. */
  onfinish?: (report: MigrationReport, form: MigrationForm) => void;
};

export class Migration {
  form = $state<MigrationForm>({ from: '', to: '', prefix: '' });
  /** The last plan the core made, for `planFor`'s form. */
  plan = $state.raw<MigrationPlan | null>(null);
  checking = $state(false);
  running = $state(false);
  /** Stop was pressed and the run has not ended yet: the objects being copied finish first. */
  stopping = $state(false);
  /** The run's last message; before the first one, what the plan said it would copy. */
  progress = $state.raw<MigrationProgress | null>(null);
  rate = $state.raw<Rate | null>(null);
  report = $state.raw<MigrationReport | null>(null);
  /** The form the report (or the running run) is for. */
  ranFor = $state.raw<MigrationForm | null>(null);
  error = $state<string | null>(null);
  #planFor = $state<string | null>(null);
  #samples: Sample[] = [];
  /** Counts the runs, so that a Stop still asking for one run never stops the next. */
  #run = 0;
  readonly #core: Core;
  readonly #now: () => number;
  readonly #stopRetryMs: number;
  readonly #onfinish: Options['onfinish'];

  constructor({ core = ipc, now = () => Date.now(), stopRetryMs = STOP_RETRY_MS, onfinish }: Options = {}) {
    this.#core = core;
    this.#now = now;
    this.#stopRetryMs = stopRetryMs;
    this.#onfinish = onfinish;
  }

  /** The plan, when it is for the form as it stands now; only then may a run start. */
  get current(): MigrationPlan | null {
    return this.plan !== null && this.#planFor === formKey(this.form) ? this.plan : null;
  }

  /**
   * Fills in the pair the form starts with (into the active profile, from an S3 one), and
   * replaces a choice whose profile is gone. Leaves the form alone while a run holds it.
   */
  fill(profiles: readonly ProfileSummary[], active: ProfileSummary | null): void {
    if (this.running) return;
    const known = (name: string) => profiles.some((p) => p.name === name);
    if (!known(this.form.to)) this.form.to = defaultPair(profiles, active).to;
    if (!known(this.form.from) || this.form.from === this.form.to) {
      this.form.from = defaultPair(profiles, profiles.find((p) => p.name === this.form.to) ?? null).from;
    }
  }

  /** Asks the core what a run would do; the plan shows until the form changes. */
  async check(): Promise<void> {
    if (this.checking || this.running) return;
    const form = { ...this.form };
    this.checking = true;
    this.error = null;
    this.report = null;
    try {
      const plan = await this.#core.migrationPlan(form.from, form.to, form.prefix, false);
      this.plan = plan;
      this.#planFor = formKey(form);
    } catch (failure) {
      this.error = `Couldn’t check the migration: ${ipc.errorMessage(failure)}`;
    } finally {
      this.checking = false;
    }
  }

  /**
   * Runs the migration the current plan describes; `overwrite` replaces the objects the plan
   * found in the way. Resolves when the run ends, stopped or not; what went wrong is in `error`,
   * not thrown.
   */
  async start(overwrite: boolean): Promise<void> {
    const plan = this.current;
    if (plan === null || this.running) return;
    const form = { ...this.form };
    this.running = true;
    this.stopping = false;
    this.#run += 1;
    this.error = null;
    this.report = null;
    this.ranFor = form;
    this.progress = { done: { objects: 0, bytes: 0 }, total: plan.to_copy, failed: 0, last_key: '' };
    this.#samples = [{ at: this.#now(), objects: 0, bytes: 0 }];
    this.rate = null;
    try {
      const report = await this.#core.runMigration(form.from, form.to, form.prefix, overwrite, (p) => this.#progressed(p));
      this.report = report;
      // What the plan said is out of date now: a run again needs a fresh check.
      this.plan = null;
      this.#planFor = null;
      this.#onfinish?.(report, form);
    } catch (failure) {
      this.error = `The migration stopped: ${ipc.errorMessage(failure)} What was copied is recorded: Check and start again to go on from there.`;
    } finally {
      this.running = false;
      this.stopping = false;
    }
  }

  /**
   * Stops the run: no object starts after this, those being copied finish, and `start` resolves
   * with a report that counts the rest as not started. Nothing is lost, so nothing is asked. The
   * core takes a run on only once it has opened both connections: a Stop before that asks again
   * until the run takes it or ends.
   */
  async stop(): Promise<void> {
    if (!this.running || this.stopping) return;
    const run = this.#run;
    const same = () => this.running && this.#run === run;
    this.stopping = true;
    try {
      while (!(await this.#core.cancelMigration())) {
        await new Promise((resolve) => setTimeout(resolve, this.#stopRetryMs));
        if (!same()) return;
      }
    } catch (failure) {
      if (!same()) return;
      this.stopping = false;
      this.error = `Couldn’t stop the migration: ${ipc.errorMessage(failure)} It is still running.`;
    }
  }

  #progressed(progress: MigrationProgress) {
    this.progress = progress;
    this.#samples = addSample(this.#samples, { at: this.#now(), objects: progress.done.objects, bytes: progress.done.bytes });
    this.rate = rateOf(this.#samples) ?? this.rate;
  }
}
