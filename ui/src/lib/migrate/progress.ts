// A running migration as the window shows it: how far it is, how fast it goes and how long is
// left. The core sends where it stands at most five times a second; the rate here is measured
// from those messages over the last few seconds, so a burst of small objects or one slow large
// object does not swing it wildly. Times are passed in (ms), never read from a clock here.

import { formatBytes } from '../format/bytes';
import { formatEta } from '../browse/transfers.svelte';
import type { MigrationProgress } from '../ipc';

/** Where the run stood at a moment: bytes and objects copied so far. */
export type Sample = { at: number; objects: number; bytes: number };

export type Rate = { bytesPerSec: number; objectsPerSec: number };

/** How far back the rate looks. */
export const RATE_WINDOW_MS = 5_000;
/** Less than this between the oldest and newest sample measures nothing yet. */
const MIN_SPAN_MS = 500;

/**
 * Adds a sample and drops those older than the window, keeping the last one before it so that
 * a run that reports rarely (one large object at a time) still has a span to measure.
 */
export function addSample(samples: readonly Sample[], sample: Sample, windowMs = RATE_WINDOW_MS): Sample[] {
  const all = [...samples, sample];
  const firstInside = all.findIndex((s) => sample.at - s.at <= windowMs);
  return all.slice(Math.max(0, firstInside - 1));
}

/** Bytes and objects a second across the samples; null until there is a span to measure. */
export function rateOf(samples: readonly Sample[]): Rate | null {
  if (samples.length < 2) return null;
  const [first, last] = [samples[0], samples[samples.length - 1]];
  const span = last.at - first.at;
  if (span < MIN_SPAN_MS) return null;
  return { bytesPerSec: ((last.bytes - first.bytes) * 1000) / span, objectsPerSec: ((last.objects - first.objects) * 1000) / span };
}

/** How much is done, 0–100, by bytes (by objects when there are no bytes to copy); floored, so 100 means done. */
export function percentDone(progress: MigrationProgress): number {
  const { done, total, failed } = progress;
  const share = total.bytes > 0 ? done.bytes / total.bytes : total.objects > 0 ? (done.objects + failed) / total.objects : 1;
  return Math.min(100, Math.max(0, Math.floor(share * 100)));
}

/** Seconds left at this rate, by bytes, or by objects when no bytes are moving; null when unknown. */
export function secondsLeft(progress: MigrationProgress, rate: Rate | null): number | null {
  if (rate === null) return null;
  const bytesLeft = progress.total.bytes - progress.done.bytes;
  if (bytesLeft > 0 && rate.bytesPerSec > 0) return bytesLeft / rate.bytesPerSec;
  const objectsLeft = progress.total.objects - progress.done.objects - progress.failed;
  if (objectsLeft > 0 && rate.objectsPerSec > 0) return objectsLeft / rate.objectsPerSec;
  return objectsLeft <= 0 ? 0 : null;
}

/** "312 of 1,204 objects · 1.2 GB of 3.2 GB", with the failures when there are any. */
export function progressCounts(progress: MigrationProgress): string {
  const { done, total, failed } = progress;
  const parts = [`${done.objects.toLocaleString()} of ${total.objects.toLocaleString()} ${total.objects === 1 ? 'object' : 'objects'}`];
  if (total.bytes > 0) parts.push(`${formatBytes(done.bytes)} of ${formatBytes(total.bytes)}`);
  if (failed > 0) parts.push(`${failed.toLocaleString()} failed`);
  return parts.join(' · ');
}

/**
 * "4.1 MB/s · 38 objects/s · 2 min left". What is not measured yet is left out, rather than
 * shown as "0 B/s"; an empty string before the first measure.
 */
export function rateLine(progress: MigrationProgress, rate: Rate | null): string {
  if (rate === null) return '';
  const parts: string[] = [];
  if (rate.bytesPerSec >= 1) parts.push(`${formatBytes(rate.bytesPerSec)}/s`);
  if (rate.objectsPerSec >= 0.1) parts.push(`${rate.objectsPerSec < 10 ? rate.objectsPerSec.toFixed(1) : Math.round(rate.objectsPerSec)} objects/s`);
  const left = secondsLeft(progress, rate);
  if (left !== null && left > 0) parts.push(formatEta(left));
  return parts.join(' · ');
}
