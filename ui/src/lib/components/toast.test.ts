import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Toast, TOAST_MS } from './toast.svelte';

describe('Toast', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('shows a line and hides it after a few seconds', () => {
    const toast = new Toast();
    toast.show('Key copied');
    expect(toast.text).toBe('Key copied');
    vi.advanceTimersByTime(TOAST_MS - 1);
    expect(toast.text).toBe('Key copied');
    vi.advanceTimersByTime(1);
    expect(toast.text).toBeNull();
  });

  it('gives a newer line the full time again', () => {
    const toast = new Toast();
    toast.show('Key copied');
    vi.advanceTimersByTime(TOAST_MS - 100);
    const { show } = toast;
    show('Link copied');
    vi.advanceTimersByTime(TOAST_MS - 100);
    expect(toast.text).toBe('Link copied');
    vi.advanceTimersByTime(100);
    expect(toast.text).toBeNull();
  });
});
