// The mock core's migration from S3 (see ./mock.ts; development only). The source bucket holds
// a few thousand objects over three tenants; the destination already has some of them, and a
// different object at three keys (the conflicts). A run takes a few seconds, sends progress five
// times a second as the real one does, copies what the plan said, and reports two failures and
// a share of objects "checked by bytes only" (multipart ETags). A second run finds everything
// already there. Stop (cancel_migration) lets the batch being copied finish and ends the run
// early, the rest reported as not started, which a run again copies. A prefix starting with "/"
// is refused with the core's words; a profile named "error" makes the listing fail.

import type { MigrationPlan, MigrationReport, Tally } from './index';

type Channelled = { id: number };
type SourceObject = { key: string; size: number; multipart: boolean };

const TICK_MS = 200;
const RUN_MS = 6_000;
// What the real plan's estimate assumes (crates/core/src/migrate.rs).
const ESTIMATE_BYTES_PER_SEC = 50_000_000;
const ESTIMATE_OBJECTS_PER_SEC = 100;

const source: SourceObject[] = (() => {
  const out: SourceObject[] = [];
  let seed = 11;
  const next = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
  for (const [tenant, count] of [['acme-corp', 1200], ['globex', 420], ['umbrella', 220]] as const) {
    for (let i = 0; i < count; i++) {
      const folder = ['documents', 'images', 'uploads'][i % 3];
      const big = next() < 0.08;
      out.push({
        key: `${tenant}/${folder}/2019${String(1 + (i % 12)).padStart(2, '0')}15_101500_${i.toString(36).padStart(6, '0')}_file-${i}.${folder === 'images' ? 'jpg' : 'pdf'}`,
        size: Math.floor((big ? 40_000_000 : 900_000) * (0.2 + next())),
        multipart: big,
      });
    }
  }
  return out;
})();

// Keys the destination already holds the same object at, and keys where it holds another.
const copied = new Set(source.filter((_, i) => i % 9 === 0).map((o) => o.key));
const conflicts = new Set(source.filter((_, i) => i % 9 === 4 && i < 60).map((o) => o.key));
const failing = new Set(source.filter((_, i) => i === 101 || i === 1307).map((o) => o.key));

// The run going on, if any: cancel_migration says so, and the run stops at its next batch.
let running: { cancelled: boolean } | null = null;

const tally = (objects: SourceObject[]): Tally => ({ objects: objects.length, bytes: objects.reduce((sum, o) => sum + o.size, 0) });

function refuse(from: string, to: string, prefix: string): void {
  if (from === to) throw { code: 'invalid', message: `'${from}' and '${to}' name the same bucket: choose two different buckets` };
  if (prefix.startsWith('/')) throw { code: 'invalid', message: `prefix '${prefix}' starts with '/': keys are relative to the bucket, so drop the leading '/'` };
  if (from === 'error' || to === 'error') throw { code: 'storage', message: 'Listing the bucket failed: the server answered 403 AccessDenied. Give the key List permission.' };
}

function decide(prefix: string, overwrite: boolean): { plan: MigrationPlan; copy: SourceObject[] } {
  const under = source.filter((o) => o.key.startsWith(prefix));
  const there = under.filter((o) => copied.has(o.key));
  const inTheWay = overwrite ? [] : under.filter((o) => conflicts.has(o.key) && !copied.has(o.key));
  const copy = under.filter((o) => !copied.has(o.key) && !inTheWay.includes(o));
  const toCopy = tally(copy);
  return {
    plan: {
      source: tally(under),
      to_copy: toCopy,
      already_there: tally(there),
      conflicts: inTheWay.map((o) => o.key),
      estimated_seconds: toCopy.bytes / ESTIMATE_BYTES_PER_SEC + toCopy.objects / ESTIMATE_OBJECTS_PER_SEC,
      estimate_basis: '50 MB/s and 100 objects/s, a conservative internet rate; the real rate shows as it runs',
    },
    copy,
  };
}

function send(channel: Channelled, index: number, message: unknown): void {
  const internals = (window as unknown as { __TAURI_INTERNALS__: { runCallback: (id: number, data: unknown) => void } }).__TAURI_INTERNALS__;
  internals.runCallback(channel.id, message === undefined ? { end: true, index } : { message, index });
}

async function run(prefix: string, overwrite: boolean, channel: Channelled): Promise<MigrationReport> {
  const started = Date.now();
  const { plan, copy } = decide(prefix, overwrite);
  const done = { objects: 0, bytes: 0 };
  let failed = 0;
  let index = 0;
  const report: MigrationReport = {
    plan,
    copied: { objects: 0, bytes: 0 },
    checked_bytes_only: 0,
    already_there: plan.already_there,
    failed: [],
    not_started: { objects: 0, bytes: 0 },
    seconds: 0,
  };
  const perTick = Math.max(1, Math.ceil(copy.length / (RUN_MS / TICK_MS)));
  const going = { cancelled: false };
  running = going;
  let at = 0;
  // Each tick copies a batch; Stop during a tick lets that batch finish, and starts no other.
  for (; at < copy.length && !going.cancelled; at += perTick) {
    await new Promise((resolve) => setTimeout(resolve, TICK_MS));
    for (const o of copy.slice(at, at + perTick)) {
      if (failing.has(o.key)) {
        failed += 1;
        report.failed.push({ key: o.key, reason: 'the source changed while it was read (its ETag no longer matches the listing): run the migration again to copy the new version' });
        continue;
      }
      done.objects += 1;
      done.bytes += o.size;
      copied.add(o.key);
      if (o.multipart) report.checked_bytes_only += 1;
    }
    const last = copy[Math.min(at + perTick, copy.length) - 1];
    send(channel, index++, { done: { ...done }, total: plan.to_copy, failed, last_key: last.key });
  }
  if (running === going) running = null;
  report.not_started = tally(copy.slice(at));
  send(channel, index, undefined);
  for (const key of plan.conflicts) {
    report.failed.push({ key, reason: 'a different object is already at this key in the destination: left as it is (--overwrite replaces it)' });
  }
  report.copied = { ...done };
  report.seconds = (Date.now() - started) / 1000;
  return report;
}

/** The answer to a migration command, or undefined when `cmd` is not one of them. */
export async function migrationCommand(cmd: string, args: Record<string, unknown>): Promise<unknown> {
  const [from, to, prefix, overwrite] = [String(args.from), String(args.to), String(args.prefix ?? ''), args.overwrite === true];
  switch (cmd) {
    case 'migration_plan':
      refuse(from, to, prefix);
      // Both buckets are listed whole: it takes a moment.
      await new Promise((resolve) => setTimeout(resolve, 1200));
      return decide(prefix, overwrite).plan;
    case 'run_migration':
      refuse(from, to, prefix);
      if (running && !running.cancelled) throw { code: 'invalid', message: 'a migration is already running: wait for it or cancel it' };
      return run(prefix, overwrite, args.onProgress as Channelled);
    case 'cancel_migration':
      if (!running) return false;
      running.cancelled = true;
      return true;
    default:
      return undefined;
  }
}
