// How the deep check ("Check everything", from "Check this connection…" in the profile menu)
// reads. The core runs every S3 operation Cubby relies on and gives each a verdict; only
// `failed` is a problem. `ignored` and `refused` mean the server handles a guard its own way and
// Cubby has already adapted, so they must not look like errors, or people would chase a fault
// that isn't there.
// Pure: no IPC, no Svelte. The core's summary and details are shown as sentences (./report.ts).

import type { Check, CheckId, DeepReport, Verdict } from '../ipc';
import { asSentence } from './report';

/** What a verdict means for the person: fine, a note that Cubby adapts, or something to fix. */
export type VerdictTone = 'works' | 'adapts' | 'failed';

export const VERDICT_WORDS: Record<Verdict, string> = {
  works: 'Works',
  ignored: 'Ignored — Cubby adapts',
  refused: 'Not supported here',
  failed: 'Failed',
};

export function verdictTone(verdict: Verdict): VerdictTone {
  if (verdict === 'works') return 'works';
  if (verdict === 'failed') return 'failed';
  return 'adapts';
}

export type CheckRow = {
  id: CheckId;
  label: string;
  verdict: Verdict;
  tone: VerdictTone;
  words: string;
  /** The core's detail as a sentence, or null when it gave none. */
  detail: string | null;
};

export type Tally = Record<VerdictTone, number>;

export type DeepCheckView = {
  /** The whole report's tone: failed when any check failed, adapts when some did not work as documented. */
  tone: VerdictTone;
  summary: string;
  /** How many checks came out which way, in words ("11 work, 2 handled differently"). */
  tally: string;
  /** One row per check, in the order the core ran them (later ones build on earlier ones). */
  rows: CheckRow[];
};

export function tallyOf(checks: readonly Check[]): Tally {
  const tally: Tally = { works: 0, adapts: 0, failed: 0 };
  for (const check of checks) tally[verdictTone(check.verdict)] += 1;
  return tally;
}

/** The counts in words, naming only the kinds that occurred. */
export function tallyLine(tally: Tally): string {
  const parts: string[] = [];
  if (tally.works > 0) parts.push(`${tally.works} ${tally.works === 1 ? 'works' : 'work'}`);
  if (tally.adapts > 0) parts.push(`${tally.adapts} handled differently, Cubby adapts`);
  if (tally.failed > 0) parts.push(`${tally.failed} failed`);
  return parts.length === 0 ? 'No checks ran.' : `${parts.join(' · ')}.`;
}

export function deepCheckView(report: DeepReport): DeepCheckView {
  const tally = tallyOf(report.checks);
  // `ok` is the core's word on whether anything Cubby needs failed; a failed row decides it too,
  // so the box never looks fine above a red line.
  const tone: VerdictTone = !report.ok || tally.failed > 0 ? 'failed' : tally.adapts > 0 ? 'adapts' : 'works';
  const rows = report.checks.map((check) => ({
    id: check.id,
    label: check.label,
    verdict: check.verdict,
    tone: verdictTone(check.verdict),
    words: VERDICT_WORDS[check.verdict],
    detail: check.detail ? asSentence(check.detail) : null,
  }));
  return { tone, summary: asSentence(report.summary), tally: tallyLine(tally), rows };
}
