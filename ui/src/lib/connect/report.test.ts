import { describe, expect, it } from 'vitest';
import type { ConnectionReport } from '../ipc';
import { asSentence, reportView } from './report';

const unreachable = 'cannot reach 0123.r2.cloudflarestorage.com:443 (dns error): check the endpoint or account ID and your network';

const failedAt = (id: 'reach' | 'credentials', detail: string, summary = detail): ConnectionReport => ({
  ok: false,
  code: id === 'reach' ? 'unreachable' : 'wrong_secret',
  summary,
  steps: [
    { id: 'reach', label: 'Reach 0123.r2.cloudflarestorage.com', status: id === 'reach' ? 'failed' : 'ok', detail: id === 'reach' ? detail : null },
    { id: 'credentials', label: 'Credentials accepted', status: id === 'credentials' ? 'failed' : 'skipped', detail: id === 'credentials' ? detail : null },
    { id: 'bucket', label: "Bucket 'b' exists and is readable", status: 'skipped', detail: null },
  ],
});

describe('asSentence', () => {
  it('starts with a capital and ends with a stop', () => {
    expect(asSentence('wrong secret for access key AKID…: re-enter it')).toBe('Wrong secret for access key AKID…: re-enter it.');
    expect(asSentence('Already a sentence.')).toBe('Already a sentence.');
    expect(asSentence('  ')).toBe('');
  });
});

describe('reportView', () => {
  // Regression: the heading and the failed step said the same lower-case sentence twice.
  it('heads a failure with what failed and leaves the why to the step, once', () => {
    const view = reportView(failedAt('reach', unreachable));
    expect(view.heading).toBe('Cubby couldn’t reach the storage.');
    expect(view.steps[0].detail).toBe(
      'Cannot reach 0123.r2.cloudflarestorage.com:443 (dns error): check the endpoint or account ID and your network.',
    );
    expect(view.steps.filter((s) => s.detail === view.heading)).toEqual([]);
  });

  it('names the keys when the credentials step failed', () => {
    const view = reportView(failedAt('credentials', 'wrong secret for access key AKID…: re-enter the secret access key'));
    expect(view.heading).toBe('The storage didn’t accept these keys.');
    expect(view.steps[1].detail).toBe('Wrong secret for access key AKID…: re-enter the secret access key.');
  });

  it('keeps a summary that says something else, as a sentence', () => {
    const view = reportView(failedAt('credentials', 'the token was refused', 'cubby cannot use this bucket yet'));
    expect(view.heading).toBe('Cubby cannot use this bucket yet.');
    const ok = reportView({ ok: true, code: null, summary: "Connected to bucket 'b' at host.", steps: [] });
    expect(ok.heading).toBe("Connected to bucket 'b' at host.");
  });
});
