import { describe, expect, it } from 'vitest';
import type { ConnectForm, ConnectionReport } from '../ipc';
import { saveAnywayOffer } from './anyway';

const tried: ConnectForm = {
  name: 'r2',
  account_id: '0123456789abcdef0123456789abcdef',
  jurisdiction: null,
  endpoint: null,
  bucket: 'oasys',
  public_url: null,
  access_key_id: 'AKID',
  secret_access_key: 'fresh-token-secret',
  allow_http: false,
};

const report = (ok: boolean): ConnectionReport => ({
  ok,
  code: ok ? null : 'invalid_credentials',
  summary: ok ? 'Connected.' : 'The storage didn’t accept these keys.',
  steps: [{ id: 'credentials', label: 'Credentials accepted', status: ok ? 'ok' : 'failed', detail: null }],
});

describe('saveAnywayOffer', () => {
  it('offers to keep exactly the form whose test failed', () => {
    expect(saveAnywayOffer(tried, report(false))).toBe(tried);
  });

  // The core saved it already: a second save would only ask again about the default.
  it('offers nothing after a connect that worked', () => {
    expect(saveAnywayOffer(tried, report(true))).toBeNull();
  });
});
