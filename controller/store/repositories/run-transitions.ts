import type { EntityManager } from '@mikro-orm/core';
import type { RunModel } from '../../domain/runs/types.js';
import type { RunJournalRow } from '../entities/run-journal.js';
import type { PreparedStatements } from '../prepared-statements.js';
import type { ParameterSealing } from './parameter-sealing.js';
import { COMMIT_RUN_TRANSITION, TRANSITION_RUN_COLUMNS } from './prepared-sql.js';
import { instanceChanges, type RunInstanceRepository } from './run-instances.js';
import { commitFenced, type FencedWrites } from './fenced-commit.js';
import type { RunJournalRepository } from './run-journal.js';
import { runChanges } from './run-model.js';
import type { RunParameterRepository } from './run-parameters.js';
import type { RunRepository } from './runs.js';

/** What one batch of state machine inputs decided, to be written together: the model before and after it, and the writes of its items. */
export interface RunTransition extends FencedWrites {
  before: RunModel;
  after: RunModel;
}

/**
 * The commit of a batch of state machine inputs whose transition changes
 * instances' progress, the run row, parameter values and the journal, and
 * nothing else: no instance added (their rows and parameters are seeded),
 * no VM id to store, the run not finishing (its credentials are revoked).
 * With prepared statements (PostgreSQL, Store.writeStatement) it is ONE
 * statement: a barrier waits on this commit, and each further round trip of
 * a transaction waited behind the agents' messages that arrived meanwhile.
 * Otherwise, the statements of the caller's transaction.
 */
export class RunTransitionRepository {
  constructor(
    private readonly em: EntityManager,
    private readonly sealing: ParameterSealing,
    private readonly repos: { instances: RunInstanceRepository; parameters: RunParameterRepository; runs: RunRepository; journal: RunJournalRepository },
    private readonly prepared?: PreparedStatements,
  ) {}

  /**
   * Returns the journal rows, or undefined when the run is gone (nothing
   * written); LeaseLostError when `leaseEpoch` is no longer the run's.
   *
   * @throws Error when the transition added instances (the caller's transaction seeds them).
   */
  async commit(t: RunTransition): Promise<RunJournalRow[] | undefined> {
    const { runId, leaseEpoch, before, after, values, secretKeys, entries, now } = t;
    if (after.instances.length !== before.instances.length) throw new Error(`a transition that adds instances to run ${runId} is committed with their seeds`);
    if (!this.prepared) {
      const { instances, parameters, runs, journal } = this.repos;
      await instances.applyChanges(runId, before, after, now);
      await parameters.updateValues(runId, values, now, secretKeys);
      const lastSequence = await runs.advanceRun(runId, leaseEpoch, before, after, entries.length, now);
      if (lastSequence === undefined) return undefined;
      const rows = journal.stage(runId, lastSequence, entries);
      await journal.flush();
      return rows;
    }
    const changes = runChanges(before, after, now);
    const unknown = Object.keys(changes).filter((field) => !(field in TRANSITION_RUN_COLUMNS));
    if (unknown.length > 0) throw new Error(`COMMIT_RUN_TRANSITION does not write the run's ${unknown.join(', ')}`);
    const progress = instanceChanges(before, after, now);
    const statement = { name: 'commit-run-transition', sql: COMMIT_RUN_TRANSITION };
    return commitFenced(this.prepared, this.em, this.sealing, statement, { runId, leaseEpoch, values, secretKeys, entries, now }, [
      JSON.stringify(changes),
      progress.map((p) => p.instance.name),
      progress.map((p) => p.values.vm),
      progress.map((p) => p.values.completedEpoch),
      progress.map((p) => p.values.completedState),
      progress.map((p) => p.values.scaleState),
      progress.map((p) => p.values.vmStartedAt !== undefined),
      progress.map((p) => p.values.vmStoppedAt !== undefined),
    ]);
  }
}
