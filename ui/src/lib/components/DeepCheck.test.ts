// Server-renders "Check everything", its report and the dialog the profile menu opens it in: the
// words people read and the attributes the end-to-end tests select on.
import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import type { DeepReport } from '../ipc';
import CheckConnectionDialog from './CheckConnectionDialog.svelte';
import DeepCheck from './DeepCheck.svelte';
import DeepCheckReport from './DeepCheckReport.svelte';

const adapted: DeepReport = {
  ok: true,
  summary: 'every operation Cubby needs works here',
  checks: [
    { id: 'put', label: 'Upload an object', verdict: 'works', detail: null },
    { id: 'complete_guard', label: 'Finish a multipart upload only if new', verdict: 'ignored', detail: 'the server replaced an existing object' },
    { id: 'copy_guard', label: 'Copy only if the target is new', verdict: 'refused', detail: 'the server answered 501 NotImplemented' },
  ],
  learned: { put_guard: 'works', complete_guard: 'ignored', copy_guard: 'refused', checked_at: '2026-01-01T00:00:00Z' },
};

const failed: DeepReport = {
  ...adapted,
  ok: false,
  summary: 'multipart upload failed',
  checks: [...adapted.checks, { id: 'multipart', label: 'Multipart upload of a large file', verdict: 'failed', detail: 'access denied on UploadPart' }],
};

const reportHtml = (report: DeepReport) => render(DeepCheckReport, { props: { report } }).body;

describe('DeepCheck', () => {
  const body = render(DeepCheck, { props: { profile: 'prod' } }).body;

  it('offers the check as a secondary button that says what it will do', () => {
    expect(body).toMatch(/<button[^>]*class="button secondary[^"]*"[^>]*data-testid="check-everything"[^>]*>[\s\S]*Check everything/);
    expect(body).toContain('Runs every operation Cubby uses against this bucket — about 10 MB written and removed under .cubby/.');
  });

  it('shows no result and no error before it ran', () => {
    expect(body).not.toContain('data-testid="deep-check-results"');
    expect(body).not.toContain('data-testid="deep-check-error"');
  });

  it('is held while another request of the screen runs', () => {
    const held = render(DeepCheck, { props: { profile: 'prod', disabled: true } }).body;
    expect(held).toMatch(/<button[^>]*disabled[^>]*data-testid="check-everything"/);
    expect(body).not.toMatch(/<button[^>]*disabled[^>]*data-testid="check-everything"/);
  });
});

describe('CheckConnectionDialog', () => {
  const body = render(CheckConnectionDialog, { props: { profile: 'prod-eu', onclose: () => {} } }).body.replace(/<!--.*?-->/g, '');

  it('is a dialog titled with the profile it checks', () => {
    expect(body).toMatch(/role="dialog"[^>]*data-testid="check-connection-dialog"/);
    expect(body).toMatch(/<h2[^>]*>Check connection “prod-eu”<\/h2>/);
  });

  it('holds the Check everything button and nothing it ran yet', () => {
    expect(body).toMatch(/<button[^>]*data-testid="check-everything"[^>]*>[\s\S]*Check everything/);
    expect(body).not.toMatch(/<button[^>]*disabled[^>]*data-testid="check-everything"/);
    expect(body).not.toContain('data-testid="deep-check-results"');
  });

  // A stray Enter on opening must close, not start a check that writes 10 MB.
  it('starts on an enabled Close button', () => {
    expect(body).toMatch(/<button class="button primary[^"]*" type="button"(?![^>]*disabled)[^>]*data-autofocus[^>]*>\s*Close\s*<\/button>/);
  });
});

describe('DeepCheckReport', () => {
  it('lists one row per check with its verdict in words and the summary', () => {
    const body = reportHtml(adapted);
    expect(body).toMatch(/data-testid="deep-check-results"[^>]*data-ok="true"/);
    expect(body).toContain('Every operation Cubby needs works here.');
    expect(body).toMatch(/data-check="put"[^>]*data-verdict="works"[\s\S]*Works/);
    expect(body).toMatch(/data-check="complete_guard"[^>]*data-verdict="ignored"[\s\S]*Ignored — Cubby adapts[\s\S]*The server replaced an existing object\./);
    expect(body).toMatch(/data-check="copy_guard"[^>]*data-verdict="refused"[\s\S]*Not supported here[\s\S]*The server answered 501 NotImplemented\./);
    expect(body.match(/data-check="/g)).toHaveLength(3);
  });

  // Ignored and refused are the server's way and Cubby adapts: the box must not read as an error.
  it('draws adapted checks as notes, not errors', () => {
    const body = reportHtml(adapted);
    expect(body).toMatch(/class="deep adapts[^"]*"/);
    expect(body).toMatch(/class="check adapts[^"]*" data-check="complete_guard"/);
    expect(body).not.toContain('Failed');
    expect(body).toContain('1 works · 2 handled differently, Cubby adapts.');
  });

  it('draws a failed check, and the whole report, as an error with its detail', () => {
    const body = reportHtml(failed);
    expect(body).toMatch(/data-testid="deep-check-results"[^>]*data-ok="false"/);
    expect(body).toMatch(/class="deep failed[^"]*"/);
    expect(body).toMatch(/class="check failed[^"]*" data-check="multipart" data-verdict="failed"[\s\S]*Failed[\s\S]*Access denied on UploadPart\./);
    expect(body).toContain('Multipart upload failed.');
  });
});
