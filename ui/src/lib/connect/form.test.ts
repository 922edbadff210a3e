import { describe, expect, it } from 'vitest';
import { buildConnectForm, emptyFormState, freeProfileName, type ConnectFormState } from './form';

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
    });
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
