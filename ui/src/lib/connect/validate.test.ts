import { describe, expect, it } from 'vitest';
import { emptyFormState, type ConnectFormState } from './form';
import { firstError, isHttpUrl, validateConnectForm } from './validate';

const ACCOUNT = '0123456789abcdef0123456789abcdef';

function valid(overrides: Partial<ConnectFormState> = {}): ConnectFormState {
  return {
    ...emptyFormState(),
    accountId: ACCOUNT,
    bucket: 'cubby-files',
    accessKeyId: 'AKID',
    secret: 'secret',
    ...overrides,
  };
}

describe('isHttpUrl', () => {
  it.each(['https://s3.example.com', 'http://127.0.0.1:9000', 'https://x.r2.cloudflarestorage.com/'])(
    'accepts %s',
    (url) => expect(isHttpUrl(url)).toBe(true),
  );
  it.each(['s3.example.com', 'ftp://example.com', 'https://', 'http://exa mple.com', 'javascript:alert(1)', ''])(
    'rejects %j',
    (url) => expect(isHttpUrl(url)).toBe(false),
  );
});

describe('validateConnectForm', () => {
  it('finds nothing wrong with a complete R2 form', () => {
    expect(validateConnectForm(valid())).toEqual({});
  });

  it('requires every required field with one error each', () => {
    const problems = validateConnectForm({ ...emptyFormState(), name: '' });
    expect(Object.keys(problems).sort()).toEqual(['accessKeyId', 'accountId', 'bucket', 'name', 'secret']);
    for (const problem of Object.values(problems)) expect(problem?.level).toBe('error');
  });

  it('treats whitespace-only as empty', () => {
    expect(validateConnectForm(valid({ bucket: '   ' })).bucket?.level).toBe('error');
  });

  it('warns but allows an account ID that is not 32 hex characters', () => {
    const problems = validateConnectForm(valid({ accountId: 'abc123' }));
    expect(problems.accountId?.level).toBe('warning');
    expect(problems.accountId?.message).toContain('6');
    expect(firstError(problems, 'r2')).toBeNull();
  });

  it('accepts an upper-case hex account ID', () => {
    expect(validateConnectForm(valid({ accountId: ACCOUNT.toUpperCase() })).accountId).toBeUndefined();
  });

  it('spots an endpoint URL pasted as the account ID', () => {
    const problems = validateConnectForm(valid({ accountId: `https://${ACCOUNT}.r2.cloudflarestorage.com` }));
    expect(problems.accountId?.message).toMatch(/endpoint URL/);
  });

  it('in endpoint mode requires an http(s) URL and ignores the account ID', () => {
    const base = valid({ mode: 'endpoint', accountId: '' });
    expect(validateConnectForm({ ...base, endpoint: '' }).endpoint?.level).toBe('error');
    expect(validateConnectForm({ ...base, endpoint: 's3.example.com' }).endpoint?.level).toBe('error');
    const ok = validateConnectForm({ ...base, endpoint: 'http://127.0.0.1:9000' });
    expect(ok).toEqual({});
  });

  it('checks the public URL only when one is given', () => {
    expect(validateConnectForm(valid({ publicUrl: '' })).publicUrl).toBeUndefined();
    expect(validateConnectForm(valid({ publicUrl: 'files.example.com' })).publicUrl?.level).toBe('error');
    expect(validateConnectForm(valid({ publicUrl: 'https://files.example.com' })).publicUrl).toBeUndefined();
    const dev = validateConnectForm(valid({ publicUrl: 'https://pub-0123abcd.r2.dev' })).publicUrl;
    expect(dev?.level).toBe('warning');
    expect(dev?.message).toContain('custom domain');
  });

  it('rejects profile names with spaces or slashes', () => {
    expect(validateConnectForm(valid({ name: 'my prod' })).name?.level).toBe('error');
    expect(validateConnectForm(valid({ name: 'a/b' })).name?.level).toBe('error');
    expect(validateConnectForm(valid({ name: 'prod-eu_2.0' })).name).toBeUndefined();
    expect(validateConnectForm(valid({ name: 'x'.repeat(65) })).name?.level).toBe('error');
  });

  it('warns when the name would replace an existing connection', () => {
    const problems = validateConnectForm(valid({ name: 'r2' }), ['r2', 'sandbox']);
    expect(problems.name?.level).toBe('warning');
    expect(problems.name?.message).toContain('r2');
  });

  it('rejects a bucket with a path and warns on unusual bucket names', () => {
    expect(validateConnectForm(valid({ bucket: 'files/acme' })).bucket?.level).toBe('error');
    expect(validateConnectForm(valid({ bucket: 'My_Bucket' })).bucket?.level).toBe('warning');
    // R2 has no dots in bucket names; other S3 servers may.
    expect(validateConnectForm(valid({ bucket: 'receipts.2026' })).bucket?.level).toBe('error');
    expect(
      validateConnectForm(valid({ mode: 'endpoint', endpoint: 'https://s3.example.com', bucket: 'receipts.2026' })).bucket,
    ).toBeUndefined();
  });
});

describe('plain HTTP', () => {
  it('asks for consent before an http:// endpoint on another machine, not for this machine', () => {
    const remote = { ...emptyFormState(), mode: 'endpoint' as const, endpoint: 'http://s3.example.com' };
    expect(validateConnectForm(remote).endpoint?.message).toContain('unencrypted');
    expect(validateConnectForm({ ...remote, allowHttp: true }).endpoint).toBeUndefined();
    expect(validateConnectForm({ ...remote, endpoint: 'http://127.0.0.1:9000' }).endpoint).toBeUndefined();
  });
});

describe('firstError', () => {
  it('follows screen order for the mode', () => {
    const problems = validateConnectForm({ ...emptyFormState(), mode: 'endpoint', name: '' });
    expect(firstError(problems, 'endpoint')).toBe('endpoint');
    const noEndpointProblem = validateConnectForm({ ...emptyFormState(), mode: 'endpoint', endpoint: 'https://x', name: '' });
    expect(firstError(noEndpointProblem, 'endpoint')).toBe('name');
  });
});
