// How a connection profile is named in the chrome (status bar, profile menu).

import type { ProfileKind, ProfileSummary } from '../ipc';

const KIND_LABELS: Record<ProfileKind, string> = {
  r2: 'R2',
  s3: 'S3',
  sandbox: 'Local sandbox',
  env: 'From .env',
};

export function kindLabel(kind: ProfileKind): string {
  return KIND_LABELS[kind] ?? kind;
}

/**
 * The status bar's one-line truth about where Cubby is connected:
 * "Local sandbox · http://127.0.0.1:9000 · cubby-sandbox", or for R2, whose
 * endpoint is a long account URL, just "R2 · <bucket>".
 */
export function connectionLine(profile: ProfileSummary): string {
  const parts = profile.kind === 'r2' ? [kindLabel(profile.kind), profile.bucket] : [kindLabel(profile.kind), profile.endpoint, profile.bucket];
  return parts.filter((part) => part !== '').join(' · ');
}
