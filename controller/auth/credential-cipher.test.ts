import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CredentialCipher, isSealed } from './credential-cipher.js';

describe('CredentialCipher', () => {
  const cipher = new CredentialCipher(randomBytes(32));

  it('seals a string for one context: it opens there and nowhere else', () => {
    const sealed = cipher.seal('hunter2', 'run/r1/parameter/db.1:password');
    expect(isSealed(sealed)).toBe(true);
    expect(sealed).not.toContain('hunter2');
    expect(cipher.open(sealed, 'run/r1/parameter/db.1:password')).toBe('hunter2');
    expect(() => cipher.open(sealed, 'run/r2/parameter/db.1:password')).toThrow();
    expect(() => new CredentialCipher(randomBytes(32)).open(sealed, 'run/r1/parameter/db.1:password')).toThrow();
  });

  it('gives a new ciphertext each time, and refuses plaintext or a tampered value', () => {
    expect(cipher.seal('same', 'c')).not.toBe(cipher.seal('same', 'c'));
    expect(isSealed('plain text')).toBe(false);
    expect(() => cipher.open('plain text', 'c')).toThrow('not a sealed value');
    const sealed = cipher.seal('value', 'c');
    const tampered = sealed.slice(0, -4) + (sealed.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect(() => cipher.open(tampered, 'c')).toThrow();
  });

  it('keeps credentials bound to tenant and cloud', () => {
    const ciphertext = cipher.encrypt({ token: 't' }, 'tenant-a', 'aws');
    expect(cipher.decrypt(ciphertext, 'tenant-a', 'aws')).toEqual({ token: 't' });
    expect(() => cipher.decrypt(ciphertext, 'tenant-b', 'aws')).toThrow();
  });
});
