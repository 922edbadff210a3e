// The Migrate view's words and rules, apart from any component: which two connections a
// migration runs between and whether the form may be checked, how a plan, its estimate and a
// finished or stopped run read, and the failures as text to copy. The core lists, decides and
// copies; the checks here only catch what it would refuse anyway, so the person hears it before
// a listing.

import type { FieldProblem } from '../connect/validate';
import { formatBytes } from '../format/bytes';
import { kindLabel } from '../format/profile';
import type { MigrationFailure, MigrationPlan, MigrationReport, ProfileSummary, Tally } from '../ipc';

/** What the form holds: the two profiles' names and the prefix as typed. */
export type MigrationForm = { from: string; to: string; prefix: string };

/** How many conflicting keys the plan names before "and N more". */
export const CONFLICTS_SHOWN = 5;

/** R2's limit on a key, which a prefix cannot exceed either. */
const MAX_KEY_BYTES = 1024;

/** "1 object", "1,204 objects". */
export function objectCount(n: number): string {
  return n === 1 ? '1 object' : `${n.toLocaleString()} objects`;
}

/** "1,204 objects (3.2 GB)"; "no objects" for none. */
export function formatTally(tally: Tally): string {
  if (tally.objects === 0) return 'no objects';
  return `${objectCount(tally.objects)} (${formatBytes(tally.bytes)})`;
}

/** A plan's time: "under a minute", "about 14 min", "about 2 h 5 min"; null when unknown. */
export function formatEstimate(seconds: number | null): string | null {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return null;
  if (seconds < 60) return 'under a minute';
  if (seconds < 3600) return `about ${Math.round(seconds / 60)} min`;
  const h = Math.floor(seconds / 3600);
  const m = Math.round((seconds % 3600) / 60);
  if (m === 60) return `about ${h + 1} h`;
  return m === 0 ? `about ${h} h` : `about ${h} h ${m} min`;
}

/** How long a run took: "8.4 s", "42 s", "3 min 5 s", "1 h 2 min". */
export function formatElapsed(seconds: number | null): string | null {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return null;
  if (seconds < 10) return `${seconds.toFixed(1)} s`;
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return s % 60 === 0 ? `${s / 60} min` : `${Math.floor(s / 60)} min ${s % 60} s`;
  const m = Math.round((s % 3600) / 60);
  return m === 0 ? `${Math.floor(s / 3600)} h` : `${Math.floor(s / 3600)} h ${m} min`;
}

/** The first conflicting keys and how many more there are. */
export function conflictPreview(conflicts: readonly string[], shown = CONFLICTS_SHOWN): { keys: string[]; more: number } {
  return { keys: conflicts.slice(0, shown), more: Math.max(0, conflicts.length - shown) };
}

/** Whether there is anything for a run to do: objects to copy, or conflicts to replace. */
export function hasWork(plan: MigrationPlan): boolean {
  return plan.to_copy.objects > 0 || plan.conflicts.length > 0;
}

/** The plan in one line, for the Start button's tooltip and the screen reader. */
export function planLine(plan: MigrationPlan): string {
  if (!hasWork(plan)) {
    return plan.source.objects === 0 ? 'The source has no objects under this prefix.' : 'Nothing to copy: every object is already there.';
  }
  const parts = [`Copy ${formatTally(plan.to_copy)}`];
  if (plan.already_there.objects > 0) parts.push(`${objectCount(plan.already_there.objects)} already there`);
  if (plan.conflicts.length > 0) parts.push(`${plan.conflicts.length.toLocaleString()} in the way`);
  const time = formatEstimate(plan.estimated_seconds);
  if (time && plan.to_copy.objects > 0) parts.push(time);
  return parts.join(' · ');
}

/** A connection as the pickers show it: "aws-archive — S3 · invoices-2019". */
export function profileOption(profile: ProfileSummary): string {
  return `${profile.name} — ${kindLabel(profile.kind)} · ${profile.bucket}`;
}

/**
 * The pair the form starts with: into the active profile, from the first S3 connection that is
 * not it (the usual case: an S3 bucket into R2), else the first other connection at all.
 */
export function defaultPair(profiles: readonly ProfileSummary[], active: ProfileSummary | null): { from: string; to: string } {
  const to = active?.name ?? profiles[0]?.name ?? '';
  const others = profiles.filter((p) => p.name !== to);
  const from = others.find((p) => p.kind === 's3') ?? others[0];
  return { from: from?.name ?? '', to };
}

/** Why a prefix cannot be one (the core's rules for a key, trailing "/" allowed), or a warning. */
export function prefixProblem(prefix: string): FieldProblem | null {
  if (prefix === '') return null;
  const error = (message: string): FieldProblem => ({ level: 'error', message });
  if (/[\u0000-\u001f\u007f-\u009f]/.test(prefix)) return error('A prefix cannot contain control characters (a tab or a line break).');
  if (new TextEncoder().encode(prefix).length > MAX_KEY_BYTES) return error('A prefix can be at most 1,024 bytes long, as a key can.');
  if (prefix.startsWith('/')) return error('Keys start without “/”: write acme/documents/, not /acme/documents/.');
  const segments = (prefix.endsWith('/') ? prefix.slice(0, -1) : prefix).split('/');
  if (segments.some((s) => s === '')) return error('Join folders with a single “/” (“//” names no folder).');
  if (segments.some((s) => s === '.' || s === '..')) return error('A prefix cannot have “.” or “..” folders: name the folders themselves.');
  if (!prefix.endsWith('/')) {
    return { level: 'warning', message: `“${prefix}” also matches “${prefix}-archive/…” and the like: end it with “/” for one folder.` };
  }
  return null;
}

export type FormProblems = {
  /** Said under "Into": the two are the same connection, or the same bucket. */
  to: string | null;
  prefix: FieldProblem | null;
  /** The form may be checked: both chosen, different, and the prefix acceptable. */
  ready: boolean;
};

/** What stands in the way of checking the form, field by field. */
export function formProblems(form: MigrationForm, profiles: readonly ProfileSummary[]): FormProblems {
  const from = profiles.find((p) => p.name === form.from) ?? null;
  const to = profiles.find((p) => p.name === form.to) ?? null;
  let toProblem: string | null = null;
  if (from && to && from.name === to.name) toProblem = 'Choose two different connections: this one is also the source.';
  else if (from && to && from.endpoint === to.endpoint && from.bucket === to.bucket) {
    toProblem = `Both connections open the same bucket (${to.bucket}): choose another.`;
  }
  const prefix = prefixProblem(form.prefix);
  return { to: toProblem, prefix, ready: from !== null && to !== null && toProblem === null && prefix?.level !== 'error' };
}

/** Which form a plan was made for: a plan for another pair or prefix must not be started. */
export function formKey(form: MigrationForm): string {
  return JSON.stringify([form.from, form.to, form.prefix]);
}

/**
 * Whether the run was stopped (Stop in the window, Ctrl-C in the CLI) before every object it had
 * to copy was started. Those it did not start are not failures: a run again copies them.
 */
export function wasStopped(report: MigrationReport): boolean {
  return report.not_started.objects > 0;
}

/** The report's headline: "Copied 1,204 objects (3.2 GB) in 42 s", or what stopped it. */
export function reportLine(report: MigrationReport): string {
  const took = formatElapsed(report.seconds);
  const failed = report.failed.length > 0 ? `; ${report.failed.length.toLocaleString()} not copied` : '';
  if (wasStopped(report)) {
    if (report.copied.objects === 0) return `Stopped before anything was copied${failed}.`;
    return `Copied ${formatTally(report.copied)}${took ? ` in ${took}` : ''} before it was stopped${failed}.`;
  }
  const copied = report.copied.objects === 0 ? 'Nothing needed copying' : `Copied ${formatTally(report.copied)}`;
  return `${copied}${took ? ` in ${took}` : ''}${failed}.`;
}

/** What a stopped run left for the next one; null when it started every object. */
export function notStartedLine(report: MigrationReport): string | null {
  if (!wasStopped(report)) return null;
  return `Stopped: ${formatTally(report.not_started)} not started — Check and Start again to copy them.`;
}

/** The toast when a run ends, for whichever view is showing. */
export function finishedToast(report: MigrationReport, to: string): string {
  const copied = report.copied.objects === 0 ? null : `copied ${formatTally(report.copied)}`;
  const failed = report.failed.length > 0 ? ` · ${report.failed.length.toLocaleString()} not copied` : '';
  if (wasStopped(report)) {
    return `Migration into ${to} stopped: ${copied ?? 'nothing copied'} · ${objectCount(report.not_started.objects)} not started${failed}`;
  }
  return `Migration into ${to} finished: ${copied ?? 'nothing needed copying'}${failed}`;
}

/** The failures as text to paste into a ticket or a spreadsheet: one "key<TAB>reason" a line. */
export function failuresText(failed: readonly MigrationFailure[]): string {
  return failed.map((f) => `${f.key}\t${f.reason}`).join('\n');
}
