/**
 * A throwaway SSH public key. Azure refuses a Linux VM with password sign-in
 * disabled and no SSH key; when the cloud names no admin key, VMs get the
 * public half of a key pair whose private half is never kept, so nobody can
 * sign in with it (the agent installs the run's real keys).
 */
import { generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';

const generate = promisify(generateKeyPair);

let shared: Promise<string> | undefined;

/**
 * An OpenSSH `ssh-rsa` public key line (3072 bits) whose private key is
 * discarded. Made once per process (RSA generation takes about a second);
 * sharing it is harmless, as nobody holds its private half.
 */
export function throwawaySshPublicKey(): Promise<string> {
  if (!shared) {
    shared = makeKey();
    // A failed generation is not kept.
    shared.catch(() => (shared = undefined));
  }
  return shared;
}

async function makeKey(): Promise<string> {
  const { publicKey } = await generate('rsa', { modulusLength: 3072 });
  const jwk = publicKey.export({ format: 'jwk' });
  const exponent = Buffer.from(jwk.e!, 'base64url');
  const modulus = Buffer.from(jwk.n!, 'base64url');
  const blob = Buffer.concat([sshString(Buffer.from('ssh-rsa')), sshString(mpint(exponent)), sshString(mpint(modulus))]);
  return `ssh-rsa ${blob.toString('base64')} slipstream-throwaway`;
}

/** RFC 4251 string: a 32-bit big-endian length, then the bytes. */
function sshString(bytes: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/** RFC 4251 mpint body of a positive big-endian number: a leading zero when the top bit is set. */
function mpint(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start += 1;
  const trimmed = bytes.subarray(start);
  return (trimmed[0]! & 0x80) !== 0 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed;
}
