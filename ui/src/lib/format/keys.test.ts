import { describe, expect, it } from 'vitest';
import { baseName, displayName } from './keys';

describe('displayName', () => {
  it('strips the upload stamp from keys in the Cubby scheme', () => {
    expect(displayName('acme/documents/20250127_123456_abc123_receipt.jpg')).toBe('receipt.jpg');
  });

  it('keeps underscores and spaces inside the original name', () => {
    expect(displayName('acme/images/20250127_123500_DEF456_my_holiday photo.png')).toBe('my_holiday photo.png');
  });

  it('leaves keys outside the scheme as their last segment', () => {
    expect(displayName('acme/documents/receipt.jpg')).toBe('receipt.jpg');
    expect(displayName('acme/documents/2025_123456_abc123_receipt.jpg')).toBe('2025_123456_abc123_receipt.jpg');
    expect(displayName('acme/documents/20250127_123456_abc12_receipt.jpg')).toBe('20250127_123456_abc12_receipt.jpg');
    expect(displayName('readme.txt')).toBe('readme.txt');
  });

  it('does not strip a stamp with nothing after it', () => {
    expect(displayName('acme/x/20250127_123456_abc123_')).toBe('20250127_123456_abc123_');
  });
});

describe('baseName', () => {
  it('names a folder-like key by its last segment', () => {
    expect(baseName('acme/documents/')).toBe('documents');
    expect(baseName('acme')).toBe('acme');
    expect(baseName('')).toBe('');
  });
});
