import { describe, expect, it } from 'vitest';
import { buildConnectForm, emptyFormState, freeProfileName, isRemotePlainHttp, suggestedProfileName, type ConnectFormState } from './form';

function state(overrides: Partial<ConnectFormState>): ConnectFormState {
  return { ...emptyFormState(), ...overrides };
}

describe('emptyFormState', () => {
  it('starts in R2 mode with the profile name "r2"', () => {
    const s = emptyFormState();
    expect(s.mode).toBe('r2');
    expect(s.name).toBe('r2');
    expect(s.secret).toBe('');
  });
});

describe('freeProfileName', () => {
  it('keeps the base name when it is free', () => {
    expect(freeProfileName('r2', ['sandbox'])).toBe('r2');
  });

  it('numbers the name when it is taken', () => {
    expect(freeProfileName('r2', ['r2'])).toBe('r2-2');
    expect(freeProfileName('r2', ['r2', 'r2-2', 'r2-3'])).toBe('r2-4');
  });

  it('is used for the default name of a new form', () => {
    expect(emptyFormState(['r2', 'sandbox']).name).toBe('r2-2');
  });
});

describe('buildConnectForm', () => {
  it('in R2 mode sends the account ID and jurisdiction, never an endpoint', () => {
    const form = buildConnectForm(
      state({
        mode: 'r2',
        name: ' prod ',
        accountId: ' 0123456789abcdef0123456789abcdef\n',
        jurisdiction: 'eu',
        endpoint: 'https://left-over.example.com',
        bucket: ' files ',
        accessKeyId: ' AKID ',
        secret: ' s3cret\n',
      }),
    );
    expect(form).toEqual({
      name: 'prod',
      account_id: '0123456789abcdef0123456789abcdef',
      jurisdiction: 'eu',
      endpoint: null,
      bucket: 'files',
      public_url: null,
      access_key_id: 'AKID',
      secret_access_key: 's3cret',
      allow_http: false,
    });
  });

  it('tells plain HTTP to another machine from this machine and https', () => {
    for (const remote of ['http://s3.example.com', 'http://10.0.0.5:9000', 'HTTP://files.lan']) {
      expect(isRemotePlainHttp(remote), remote).toBe(true);
    }
    for (const fine of ['https://s3.example.com', 'http://127.0.0.1:9000', 'http://[::1]:8333', 'http://localhost', 'not a url']) {
      expect(isRemotePlainHttp(fine), fine).toBe(false);
    }
  });

  it('sends allow_http only for a remote http:// endpoint the user allowed', () => {
    const remote = state({ mode: 'endpoint', endpoint: 'http://s3.example.com', allowHttp: true });
    expect(buildConnectForm(remote).allow_http).toBe(true);
    expect(buildConnectForm({ ...remote, allowHttp: false }).allow_http).toBe(false);
    expect(buildConnectForm({ ...remote, endpoint: 'https://s3.example.com' }).allow_http).toBe(false);
  });

  it('sends jurisdiction null when none is chosen', () => {
    expect(buildConnectForm(state({ jurisdiction: '' })).jurisdiction).toBeNull();
  });

  it('in endpoint mode sends the endpoint and drops account ID and jurisdiction', () => {
    const form = buildConnectForm(
      state({
        mode: 'endpoint',
        accountId: '0123456789abcdef0123456789abcdef',
        jurisdiction: 'fedramp',
        endpoint: '  http://127.0.0.1:9000/ ',
        bucket: 'b',
      }),
    );
    expect(form.endpoint).toBe('http://127.0.0.1:9000');
    expect(form.account_id).toBeNull();
    expect(form.jurisdiction).toBeNull();
  });

  it('turns empty or blank optional fields into null', () => {
    const form = buildConnectForm(state({ mode: 'endpoint', endpoint: '   ', publicUrl: ' \t ' }));
    expect(form.endpoint).toBeNull();
    expect(form.public_url).toBeNull();
  });

  it('keeps a public URL without its trailing slash', () => {
    expect(buildConnectForm(state({ publicUrl: ' https://files.example.com/ ' })).public_url).toBe(
      'https://files.example.com',
    );
  });
});

// Regression: choosing "Other S3-compatible endpoint" left the new profile named "r2".
describe('suggestedProfileName', () => {
  it('names an R2 profile r2 and another endpoint after its service', () => {
    expect(suggestedProfileName('r2', '')).toBe('r2');
    expect(suggestedProfileName('endpoint', '')).toBe('s3');
    expect(suggestedProfileName('endpoint', 'https://s3.eu-central-1.wasabisys.com')).toBe('wasabisys');
    expect(suggestedProfileName('endpoint', 'https://nyc3.digitaloceanspaces.com/')).toBe('digitaloceanspaces');
    expect(suggestedProfileName('endpoint', 'http://minio:9000')).toBe('minio');
    expect(suggestedProfileName('endpoint', 'http://127.0.0.1:9000')).toBe('local');
    expect(suggestedProfileName('endpoint', 'http://[::1]:9000')).toBe('local');
    expect(suggestedProfileName('endpoint', 'http://localhost:9000')).toBe('local');
    expect(suggestedProfileName('endpoint', 'not a url')).toBe('s3');
  });

  it('never suggests a name in use', () => {
    expect(suggestedProfileName('endpoint', 'https://s3.wasabisys.com', ['wasabisys'])).toBe('wasabisys-2');
    expect(suggestedProfileName('r2', '', ['r2'])).toBe('r2-2');
  });
});
