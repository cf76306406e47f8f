/** A parameter's committed value and whether it is a secret (a password parameter). */
export interface ParameterState {
  value: string | null;
  secret: boolean;
}

/**
 * A run's parameter values as committed, held in memory by the engine (the
 * runs' only writer): a commit reads what it overwrites from here instead of
 * querying, and readers get values without a round trip.
 */
export type CommittedParameters = Map<string, ParameterState>;

/**
 * The parameter values one commit sees: the committed ones overlaid with the
 * commit's own additions and changes. Nothing reaches the committed values
 * until `publish`, after the transaction committed; a failed commit just
 * drops its draft.
 */
export class ParameterDraft {
  private readonly overlay = new Map<string, ParameterState>();

  constructor(private readonly committed: CommittedParameters) {}

  get(key: string): ParameterState | undefined {
    return this.overlay.get(key) ?? this.committed.get(key);
  }

  /** A parameter this commit creates (instances added by a scale action). */
  add(key: string, state: ParameterState): void {
    this.overlay.set(key, { ...state });
  }

  /** Sets an existing parameter's value; false when the key names no parameter. */
  set(key: string, value: string): boolean {
    const current = this.get(key);
    if (!current) return false;
    this.overlay.set(key, { value, secret: current.secret });
    return true;
  }

  /** The changed keys that name password parameters: the repository stores their values sealed. */
  secretKeys(changed: ReadonlyMap<string, string>): Set<string> {
    const secret = new Set<string>();
    for (const key of changed.keys()) if (this.get(key)?.secret) secret.add(key);
    return secret;
  }

  /** Makes the draft the committed values (call once the transaction committed). */
  publish(): void {
    for (const [key, state] of this.overlay) this.committed.set(key, state);
    this.overlay.clear();
  }
}
