// Server-renders the Connect screen and checks the stable selectors the
// end-to-end tests rely on, so a refactor cannot silently rename them.
import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import SandboxCard from '../components/SandboxCard.svelte';
import SaveAnyway from '../components/SaveAnyway.svelte';
import StorageChoice from '../components/StorageChoice.svelte';
import Connect from './Connect.svelte';

describe('Connect screen', () => {
  const body = render(Connect).body;

  it.each([
    'mode-r2',
    'mode-endpoint',
    'connect-name',
    'connect-account-id',
    'connect-jurisdiction',
    'connect-bucket',
    'connect-public-url',
    'connect-access-key-id',
    'connect-secret',
    'connect-test',
    'connect-submit',
    'import-env',
    'use-sandbox',
    'seed-demo',
  ])('has #%s', (id) => {
    expect(body).toContain(`id="${id}"`);
  });

  it('starts in R2 mode with the profile name "r2"', () => {
    expect(body).toMatch(/id="mode-r2"[^>]*checked/);
    expect(body).toMatch(/id="connect-name"[^>]*value="r2"/);
  });

  it('masks the secret and submits with the Connect button', () => {
    expect(body).toMatch(/id="connect-secret"[^>]*type="password"|type="password"[^>]*id="connect-secret"/);
    expect(body).toMatch(/type="submit"[^>]*id="connect-submit"|id="connect-submit"[^>]*type="submit"/);
  });

  // Only a Connect whose test failed may offer to save without a working test.
  it('offers no Save anyway before a Connect was tried', () => {
    expect(body).not.toContain('data-testid="connect-save-anyway"');
  });

  // The deep check lives in the main window's profile menu ("Check this connection…"), where a
  // saved connection is; a successful import leaves this screen before it could be pressed.
  it('offers no Check everything', () => {
    expect(body).not.toContain('data-testid="check-everything"');
  });

  it('labels every input', () => {
    for (const id of ['connect-name', 'connect-account-id', 'connect-jurisdiction', 'connect-bucket', 'connect-public-url', 'connect-access-key-id', 'connect-secret']) {
      expect(body).toContain(`for="${id}"`);
    }
  });
});

describe('Connect screen parts', () => {
  it('the storage choice checks the mode it is given, and only that one', () => {
    const body = render(StorageChoice, { props: { mode: 'endpoint' } }).body;
    expect(body).toMatch(/id="mode-endpoint"[^>]*checked/);
    expect(body).not.toMatch(/id="mode-r2"[^>]*checked/);
  });

  it('the sandbox card offers demo data, ticked unless told otherwise', () => {
    const start = () => {};
    expect(render(SandboxCard, { props: { busy: false, disabled: false, onstart: start } }).body).toMatch(/id="seed-demo"[^>]*checked/);
    expect(render(SandboxCard, { props: { seedDemo: false, busy: false, disabled: false, onstart: start } }).body).not.toMatch(
      /id="seed-demo"[^>]*checked/,
    );
  });

  it('Save anyway says why a connection whose test failed may be worth keeping', () => {
    const body = render(SaveAnyway, { props: { disabled: false, onsave: () => {} } }).body;
    expect(body).toMatch(/<button[^>]*data-testid="connect-save-anyway"[^>]*>[\s\S]*Save anyway/);
    expect(body).toContain('A new R2 token can take up to a minute to start working. Save it now and Cubby will use it when it does.');
  });
});
