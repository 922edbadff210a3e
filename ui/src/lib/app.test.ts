import { describe, expect, it, vi } from 'vitest';
import { AppState, type Core } from './app.svelte';
import { IpcFailure, type AppStatus, type ProfileSummary } from './ipc';

const sandbox: ProfileSummary = {
  name: 'sandbox',
  kind: 'sandbox',
  endpoint: 'http://127.0.0.1:39123',
  bucket: 'cubby-sandbox',
  public_url: null,
  is_default: true,
};
const prod: ProfileSummary = { ...sandbox, name: 'prod', kind: 'r2', is_default: false };

function status(overrides: Partial<AppStatus> = {}): AppStatus {
  return {
    version: '0.1.0',
    profiles: [sandbox, prod],
    active: sandbox,
    first_run: false,
    keychain: { available: true, detail: null },
    open: null,
    ...overrides,
  };
}

function fakeCore(...answers: AppStatus[]) {
  const appStatus = vi.fn<Core['appStatus']>();
  for (const answer of answers) appStatus.mockResolvedValueOnce(answer);
  const core = {
    appStatus,
    useProfile: vi.fn<Core['useProfile']>().mockResolvedValue(prod),
    removeProfile: vi.fn<Core['removeProfile']>().mockResolvedValue(undefined),
  };
  return core;
}

describe('AppState.screen', () => {
  it('is loading until the first status arrives', () => {
    expect(new AppState(fakeCore()).screen).toBe('loading');
  });

  it('shows Connect on first run and the main layout otherwise', async () => {
    const first = new AppState(fakeCore(status({ first_run: true, profiles: [], active: null })));
    await first.load();
    expect(first.screen).toBe('connect');

    const returning = new AppState(fakeCore(status()));
    await returning.load();
    expect(returning.screen).toBe('main');
  });

  it('shows Connect when no profile is active, even after first run', async () => {
    const state = new AppState(fakeCore(status({ active: null })));
    await state.load();
    expect(state.screen).toBe('connect');
    expect(state.canLeaveConnect).toBe(false);
  });

  it('reports an unreachable core with the error message', async () => {
    const core = fakeCore();
    core.appStatus.mockRejectedValue(new IpcFailure({ code: 'internal', message: 'Config file is corrupt.' }));
    const state = new AppState(core);
    await state.load();
    expect(state.screen).toBe('unreachable');
    expect(state.loadError).toBe('Config file is corrupt.');
  });
});

describe('AppState transitions', () => {
  it('goes to Connect on "Add connection…" and back on cancel', async () => {
    const state = new AppState(fakeCore(status()));
    await state.load();
    state.startAdding();
    expect(state.screen).toBe('connect');
    expect(state.canLeaveConnect).toBe(true);
    state.cancelAdding();
    expect(state.screen).toBe('main');
  });

  it('leaves first run once connected, even if the core still says first_run', async () => {
    const state = new AppState(
      fakeCore(status({ first_run: true, profiles: [], active: null }), status({ first_run: true })),
    );
    await state.load();
    await state.connected();
    expect(state.screen).toBe('main');
    expect(state.active?.name).toBe('sandbox');
  });

  it('switches profile through the core and re-reads the status', async () => {
    const core = fakeCore(status(), status({ active: { ...prod, is_default: true } }));
    const state = new AppState(core);
    await state.load();
    await state.switchTo('prod');
    expect(core.useProfile).toHaveBeenCalledWith('prod');
    expect(state.active?.name).toBe('prod');
  });

  it('falls back to Connect after removing the last profile', async () => {
    const core = fakeCore(status({ profiles: [sandbox] }), status({ profiles: [], active: null }));
    const state = new AppState(core);
    await state.load();
    await state.remove('sandbox');
    expect(core.removeProfile).toHaveBeenCalledWith('sandbox');
    expect(state.screen).toBe('connect');
  });
});
