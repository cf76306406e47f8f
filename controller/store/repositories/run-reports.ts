import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { RunReportEntity, type RunReportRow } from '../entities/run-report.js';

/** The report tarballs agents upload, one per (run, instance, name); their bytes live in the data dir, at `path`. */
export class RunReportRepository {
  constructor(private readonly em: EntityManager) {}

  /** Stages a new report row (flushed with the unit of work). */
  add(input: Omit<RunReportRow, 'id' | 'createdAt'>): RunReportRow {
    return this.em.create(RunReportEntity, { id: randomUUID(), createdAt: new Date(), ...input });
  }

  /** The run's reports by instance and name. */
  ofRun(runId: string): Promise<RunReportRow[]> {
    return this.em.find(RunReportEntity, { run: runId }, { orderBy: { instance: 'asc', name: 'asc' } });
  }

  find(runId: string, instance: string, name: string): Promise<RunReportRow | null> {
    return this.em.findOne(RunReportEntity, { run: runId, instance, name });
  }
}
