import { describe, expect, it } from 'vitest';
import { IpcFailure } from '../ipc';
import { failedAgain, isUnreachable, offlineDetail, offlineLine, plainError, retryDelay, retrying } from './offline';

const unreachable = new IpcFailure({ code: 'unreachable', message: 'cannot reach 127.0.0.1:9 (connection refused): check your network' });

describe('isUnreachable', () => {
  it('is true only for the core’s unreachable code', () => {
    expect(isUnreachable(unreachable)).toBe(true);
    expect(isUnreachable(new IpcFailure({ code: 'access_denied', message: 'no' }))).toBe(false);
    expect(isUnreachable(new Error('unreachable'))).toBe(false);
    expect(isUnreachable('unreachable')).toBe(false);
  });
});

describe('plainError', () => {
  it('puts plain words in place of the connection error, and keeps other messages', () => {
    expect(plainError(unreachable)).toBe('Can’t reach storage. Check your network connection and try again.');
    expect(plainError(new IpcFailure({ code: 'not_found', message: 'no such object' }))).toBe('no such object');
  });
});

describe('retryDelay', () => {
  it('doubles from 2 s and stops growing at 30 s', () => {
    expect([1, 2, 3, 4, 5, 6, 20].map(retryDelay)).toEqual([2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    expect(retryDelay(0)).toBe(2000);
  });
});

describe('the offline state', () => {
  it('counts failures in a row from the first one and schedules the next try further out', () => {
    const first = failedAgain(null, 1000);
    expect(first).toEqual({ since: 1000, attempts: 1, retryAt: 3000, retrying: false });
    const second = failedAgain(retrying(first), 3500);
    expect(second).toEqual({ since: 1000, attempts: 2, retryAt: 7500, retrying: false });
  });

  it('tells the status bar it is retrying, in plain words', () => {
    const state = failedAgain(null, 0);
    expect(offlineLine(state)).toBe('Can’t reach storage — retrying…');
    expect(offlineLine(retrying(state))).toBe('Can’t reach storage — trying again…');
    expect(offlineDetail(state, 500)).toMatch(/\(1 try\); next try in 2 s/);
    expect(offlineDetail(retrying(failedAgain(state, 0)), 0)).toMatch(/\(2 tries\); trying again now/);
  });
});
