import type { CredentialCipher } from '../../auth/credential-cipher.js';
import type { ParameterSeed } from '../../domain/runs/parameter-plan.js';
import type { RunParameterRow } from '../entities/run-parameter.js';
import { openStored, parameterContext } from '../sealed-values.js';
import { timeOrderedUuid } from './time-ordered-id.js';

/**
 * Secret parameter values as stored: sealed under the credential key, each
 * bound to its run and key; readers get plaintext back. Shared by the launch
 * (RunRepository.create) and the parameter repository.
 */
export class ParameterSealing {
  constructor(private readonly cipher: CredentialCipher) {}

  /** A new parameter row, its value sealed when it is a secret. */
  newRow(runId: string, seed: ParameterSeed, now: Date): RunParameterRow {
    const value = seed.secret && seed.value !== null ? this.cipher.seal(seed.value, parameterContext(runId, seed.key)) : seed.value;
    return { id: timeOrderedUuid(), run: runId, key: seed.key, value, secret: seed.secret, description: seed.description, updatedAt: now };
  }

  /** `values` as stored: those of `secretKeys` sealed for their run and key, the others as they are. */
  stored(runId: string, values: ReadonlyMap<string, string>, secretKeys: ReadonlySet<string>): ReadonlyMap<string, string> {
    if (secretKeys.size === 0) return values;
    const stored = new Map(values);
    for (const key of secretKeys) {
      const value = values.get(key);
      if (value !== undefined) stored.set(key, this.cipher.seal(value, parameterContext(runId, key)));
    }
    return stored;
  }

  /** A stored parameter value as readers see it: a secret one opened. */
  read(runId: string, key: string, value: string | null, secret: boolean): string | null {
    return secret && value !== null ? openStored(this.cipher, value, parameterContext(runId, key)) : value;
  }

  /** A parameter row with its value readable; a secret one is a copy, so the managed row keeps its stored value. */
  readRow(row: RunParameterRow): RunParameterRow {
    return row.secret && typeof row.value === 'string' ? { ...row, value: this.read(row.run, row.key, row.value, true) } : row;
  }
}
