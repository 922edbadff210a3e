import { describe, expect, it } from 'vitest';
import type { ProfileSummary } from '../ipc';
import { connectionLine, kindLabel } from './profile';

function profile(overrides: Partial<ProfileSummary>): ProfileSummary {
  return {
    name: 'p',
    kind: 'r2',
    endpoint: 'https://0123.r2.cloudflarestorage.com',
    bucket: 'files',
    public_url: null,
    is_default: true,
    ...overrides,
  };
}

describe('kindLabel', () => {
  it('calls the sandbox "Local sandbox"', () => {
    expect(kindLabel('sandbox')).toBe('Local sandbox');
    expect(kindLabel('r2')).toBe('R2');
  });
});

describe('connectionLine', () => {
  it('shows kind, endpoint and bucket for the sandbox', () => {
    expect(
      connectionLine(profile({ kind: 'sandbox', endpoint: 'http://127.0.0.1:39123', bucket: 'cubby-sandbox' })),
    ).toBe('Local sandbox · http://127.0.0.1:39123 · cubby-sandbox');
  });

  it('shows only kind and bucket for R2', () => {
    expect(connectionLine(profile({ kind: 'r2', bucket: 'oasys-prod' }))).toBe('R2 · oasys-prod');
  });

  it('shows the endpoint for other S3 services', () => {
    expect(connectionLine(profile({ kind: 's3', endpoint: 'https://s3.example.com', bucket: 'b' }))).toBe(
      'S3 · https://s3.example.com · b',
    );
  });
});
