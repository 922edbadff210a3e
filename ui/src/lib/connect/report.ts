// How a connection report reads on the Connect screen. The core words a failure once and uses it
// twice, as the report's summary and as the failed step's detail, in the lower case of an error
// message ("cannot reach host:443 (dns error): check …"). Shown as is, the box repeats itself and
// starts mid-sentence; here the heading says what failed in a few words and the step says why,
// as a sentence. Pure: no IPC, no Svelte.

import type { ConnectionReport, ConnectionStep, StepId } from '../ipc';

/** A heading per failed step, for when the core's summary is the step's own detail. */
const FAILED_HEADINGS: Record<StepId, string> = {
  reach: 'Cubby couldn’t reach the storage.',
  credentials: 'The storage didn’t accept these keys.',
  bucket: 'Cubby couldn’t open the bucket.',
  write: 'These keys can read the bucket but not write to it.',
};

/** `text` as a sentence: a capital first letter, and a full stop unless it ends in punctuation. */
export function asSentence(text: string): string {
  const trimmed = text.trim();
  if (trimmed === '') return trimmed;
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?…:)]$/.test(capital) ? capital : `${capital}.`;
}

const sameWords = (a: string, b: string) => a.trim().replace(/[.\s]+$/, '').toLowerCase() === b.trim().replace(/[.\s]+$/, '').toLowerCase();

export type ReportView = { heading: string; steps: ConnectionStep[] };

/** The report's heading and steps as the screen shows them. */
export function reportView(report: ConnectionReport): ReportView {
  const failed = report.steps.find((s) => s.status === 'failed');
  const repeats = failed?.detail != null && sameWords(failed.detail, report.summary);
  const heading = repeats && failed ? FAILED_HEADINGS[failed.id] : asSentence(report.summary);
  const steps = report.steps.map((s) => ({ ...s, detail: s.detail ? asSentence(s.detail) : null }));
  return { heading, steps };
}
