import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { debouncer } from './debounce.ts';

describe('saving a draft as the patient types', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  test('only the last text is saved, once typing pauses', () => {
    const run = vi.fn();
    const saver = debouncer<string>(1000, run);
    saver.push('H');
    vi.advanceTimersByTime(500);
    saver.push('Hello');
    vi.advanceTimersByTime(999);
    expect(run).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(run).toHaveBeenCalledExactlyOnceWith('Hello');
  });

  test('leaving the page saves the pending text at once, and only once', () => {
    const run = vi.fn();
    const saver = debouncer<string>(1000, run);
    saver.push('Hello');
    saver.flush();
    vi.advanceTimersByTime(2000);
    saver.flush();
    expect(run).toHaveBeenCalledExactlyOnceWith('Hello');
  });

  test('after sending, a pending save is dropped', () => {
    const run = vi.fn();
    const saver = debouncer<string>(1000, run);
    saver.push('Hello');
    saver.cancel();
    vi.advanceTimersByTime(2000);
    saver.flush();
    expect(run).not.toHaveBeenCalled();
  });
});
