import { describe, expect, test } from 'vitest';
import { ApiError } from '../api.ts';
import {
  ACCEPT,
  fileSize,
  MAX_BYTES,
  MAX_FILES,
  refusalReason,
  refuseBeforeUpload,
  roomFor,
  uploadRefusal,
} from './files.ts';

describe('attaching files', () => {
  test('the picker offers the types the clinic takes', () => {
    expect(ACCEPT.split(',')).toEqual(['.pdf', '.jpg', '.jpeg', '.png', '.heic']);
  });

  test('a file over 10 MB is refused before it is sent; 10 MB exactly is not', () => {
    expect(refuseBeforeUpload({ size: MAX_BYTES + 1 })).toBe('tooBig');
    expect(refuseBeforeUpload({ size: MAX_BYTES })).toBeNull();
  });

  test("the server's refusals become reasons a person can act on", () => {
    expect(uploadRefusal(new ApiError('Too large', 413, 'file_too_large'))).toBe('tooBig');
    expect(uploadRefusal(new ApiError('Only PDF…', 415, 'unsupported_type'))).toBe('wrongType');
    expect(uploadRefusal(new ApiError('Slow down', 429, 'too_many_requests'))).toBe('failed');
    expect(uploadRefusal(new TypeError('Failed to fetch'))).toBe('failed');
  });

  test("any other refusal the server explains is said in the server's words", () => {
    const unsent = new ApiError('You have 10 files waiting to be sent.', 409, 'too_many_unsent');
    const unreadable = new ApiError('This file could not be read.', 422, 'unreadable_file');
    for (const error of [unsent, unreadable]) {
      expect(uploadRefusal(error)).toBe('failed');
      expect(refusalReason(error)).toBe(error.message);
    }
    // Those with words of their own, and failures the server did not explain, have no reason.
    expect(refusalReason(new ApiError('Too large', 413, 'file_too_large'))).toBeNull();
    expect(refusalReason(new ApiError('Only PDF…', 415, 'unsupported_type'))).toBeNull();
    expect(refusalReason(new ApiError('Internal error', 500, 'internal_error'))).toBeNull();
    expect(refusalReason(new TypeError('Failed to fetch'))).toBeNull();
  });

  test('at most five files per message', () => {
    expect(MAX_FILES).toBe(5);
    expect(roomFor(0, 3)).toBe(3);
    expect(roomFor(3, 4)).toBe(2);
    expect(roomFor(5, 1)).toBe(0);
  });

  test('sizes read in the reader language', () => {
    expect(fileSize('en', 2.5 * 1024 * 1024)).toBe('2.5 MB');
    expect(fileSize('es', 2.5 * 1024 * 1024)).toBe('2,5 MB');
    expect(fileSize('en', 300 * 1024)).toBe('300 kB');
    // A tiny file does not read as empty.
    expect(fileSize('en', 12)).toBe('0.1 kB');
  });
});
