// Server-renders the report and checks the attributes the end-to-end tests select on.
import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import type { ConnectionReport as Report } from '../ipc';
import ConnectionReport from './ConnectionReport.svelte';

const failed: Report = {
  ok: false,
  code: "wrong_secret",
  summary: 'Cubby cannot use this bucket yet.',
  steps: [
    { id: 'reach', label: 'Reach the endpoint', status: 'ok', detail: null },
    { id: 'credentials', label: 'Check the credentials', status: 'failed', detail: 'Wrong secret for access key AKID.' },
    { id: 'bucket', label: 'Open the bucket', status: 'skipped', detail: null },
    { id: 'write', label: 'Write permission', status: 'skipped', detail: null },
  ],
};

function html(report: Report, note?: string): string {
  return render(ConnectionReport, { props: { report, note } }).body;
}

describe('ConnectionReport', () => {
  it('marks a failed report data-ok="false" and shows the summary', () => {
    const body = html(failed);
    expect(body).toContain('data-testid="connect-report"');
    expect(body).toContain('data-ok="false"');
    expect(body).toMatch(/data-testid="connect-summary"[^>]*>[\s\S]*Cubby cannot use this bucket yet\./);
  });

  it('renders one item per step with its status and detail', () => {
    const body = html(failed);
    expect(body).toMatch(/data-step="reach"[^>]*data-status="ok"/);
    expect(body).toMatch(/data-step="credentials"[^>]*data-status="failed"/);
    expect(body).toMatch(/data-step="write"[^>]*data-status="skipped"/);
    expect(body).toContain('Wrong secret for access key AKID.');
    expect(body).toContain(': failed');
  });

  it('marks a passing report data-ok="true" and shows an optional note', () => {
    const body = html({ ...failed, ok: true, summary: 'Connected.' }, 'Imported .env as “prod”.');
    expect(body).toContain('data-ok="true"');
    expect(body).toContain('Imported .env as “prod”.');
  });

  it('does not say the failure twice and starts the step’s detail with a capital', () => {
    const detail = 'cannot reach 0123.r2.cloudflarestorage.com:443 (dns error): check your network';
    const body = html({
      ok: false,
      code: 'unreachable',
      summary: detail,
      steps: [{ id: 'reach', label: 'Reach 0123.r2.cloudflarestorage.com', status: 'failed', detail }],
    });
    expect(body).toContain('Cubby couldn’t reach the storage.');
    expect(body).toContain('Cannot reach 0123.r2.cloudflarestorage.com:443 (dns error): check your network.');
    expect(body).not.toContain(`>${detail}<`);
  });
});
