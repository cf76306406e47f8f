import { describe, expect, it } from 'vitest';
import { parseCredentialFile, SERVICE_ACCOUNT_FIELD } from './credential-file.js';
import { UsageError } from './errors.js';

const SECRET = 's3cr3t-never-shown';

/** The UsageError a text fails with. */
function failure(text: string): UsageError {
  try {
    parseCredentialFile(text, 'creds');
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error('expected a UsageError');
}

describe('parseCredentialFile', () => {
  it('reads a JSON object; numbers and booleans become text', () => {
    expect(parseCredentialFile(`\n  {"accessKeyId": "AKIA1", "secretAccessKey": "${SECRET}", "port": 443, "tls": true}\n`, 'f')).toEqual({
      accessKeyId: 'AKIA1',
      secretAccessKey: SECRET,
      port: '443',
      tls: 'true',
    });
  });

  it('stores a service account key whole, as serviceAccountJson', () => {
    const key = `{\n  "type": "service_account",\n  "client_email": "ci@p.iam.gserviceaccount.com",\n  "private_key": "${SECRET}"\n}\n`;
    expect(parseCredentialFile(key, 'f')).toEqual({ [SERVICE_ACCOUNT_FIELD]: key });
    expect(SERVICE_ACCOUNT_FIELD).toBe('serviceAccountJson');
  });

  it('reads KEY=VALUE lines: blanks and comments skipped, values trimmed, a later key wins, CRLF too', () => {
    const text = `# aws\r\naccessKeyId = AKIA1\r\n\r\nsecretAccessKey=old\r\nsecretAccessKey=${SECRET}=tail\r\n`;
    expect(parseCredentialFile(text, 'f')).toEqual({ accessKeyId: 'AKIA1', secretAccessKey: `${SECRET}=tail` });
  });

  it('names the flag, the file and the line or field, never a value', () => {
    const cases: [string, string][] = [
      [`accessKeyId=AKIA1\n${SECRET}\n`, '--from-file creds: line 2 is not KEY=VALUE'],
      [`key=\n`, '--from-file creds: line 1 is not KEY=VALUE'],
      [`{"secretAccessKey": "${SECRET}",}`, '--from-file creds: is not valid JSON'],
      [`{"nested": {"secret": "${SECRET}"}}`, "--from-file creds: field 'nested' must be a string"],
    ];
    for (const [text, message] of cases) {
      const error = failure(text);
      expect(error.message).toBe(message);
      expect(error.message).not.toContain(SECRET);
    }
  });
});
