/**
 * Test helper: runs written straight into a store as they are once they
 * finished (a final state some days ago, VMs gone), with a journal,
 * parameters, tags and a report file, for the retention and DeleteRun tests.
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isFinal, type RunState } from '../../common/runs/states.js';
import { privateReportDir } from '../../controller/api/services/report-dir.js';
import type { VmLifecycle } from '../../controller/domain/runs/types.js';
import { RunInstanceEntity, type RunInstanceRow } from '../../controller/store/entities/run-instance.js';
import { RunJournalEntity, type RunJournalRow } from '../../controller/store/entities/run-journal.js';
import { RunParameterEntity, type RunParameterRow } from '../../controller/store/entities/run-parameter.js';
import { RunReportEntity, type RunReportRow } from '../../controller/store/entities/run-report.js';
import { RunTagEntity, type RunTagRow } from '../../controller/store/entities/run-tag.js';
import { RunEntity, type RunRow } from '../../controller/store/entities/run.js';
import { newInstanceRow } from '../../controller/store/repositories/run-instances.js';
import { journalRows } from '../../controller/store/repositories/run-journal.js';
import type { Store } from '../../controller/store/store.js';

/** What a seeded run looks like; every field has a default. */
export interface FinishedRunSeed {
  /** Default Done. */
  state?: RunState;
  /** When it turned final (default 40 days ago); with a live state, when it last changed state. */
  finishedDaysAgo?: number;
  /** Every instance's VM (default terminated). */
  vm?: VmLifecycle;
  /** Instances `web.1` ... (default 2). */
  instances?: number;
  /** Journal entries: log lines and events (default 20). */
  journal?: number;
  tags?: string[];
  /** Writes one report of `web.1` under `<dataDir>/reports/` with its row. */
  reportsIn?: string;
}

/** A seeded run: its id, and its report file when it has one. */
export interface SeededRun {
  runId: string;
  reportPath: string | undefined;
}

const DAY_MS = 24 * 3600_000;

/** Rows inserted by one statement. */
const ROWS_PER_INSERT = 500;

/**
 * Writes `count` runs of the tenant as `seed` says, with plain bulk inserts
 * (a run through RunRepository.create and its flushes cost about 35 ms
 * here; a backlog of thousands takes seconds this way).
 */
export async function seedFinishedRuns(store: Store, tenantId: string, count: number, seed: FinishedRunSeed = {}): Promise<SeededRun[]> {
  const state = seed.state ?? 'Done';
  const final = isFinal(state);
  const at = new Date(Date.now() - (seed.finishedDaysAgo ?? 40) * DAY_MS);
  const rows = { runs: [] as RunRow[], tags: [] as RunTagRow[], instances: [] as RunInstanceRow[], parameters: [] as RunParameterRow[], journal: [] as RunJournalRow[], reports: [] as RunReportRow[] };
  const seeded: SeededRun[] = [];
  for (let n = 0; n < count; n++) {
    const runId = randomUUID();
    const entries = seed.journal ?? 20;
    rows.runs.push({
      id: runId,
      tenant: tenantId,
      owner: 'alice',
      modulePath: 'acme/app',
      moduleVersion: 1,
      kind: 'application',
      runKind: 'deployment',
      plan: JSON.stringify({ module: { path: 'acme/app', version: 1 }, kind: 'application', nodes: [] }),
      state,
      epoch: 0,
      abortMessage: state === 'Aborted' ? 'it failed' : null,
      abortedAt: state === 'Aborted' ? at : null,
      recoveryMode: false,
      keepRunning: 'never',
      scalable: false,
      timeoutMinutes: 30,
      defaultCloud: 'local',
      sshKeys: '[]',
      nodes: '[]',
      scale: null,
      finalState: final ? state : null,
      requestId: null,
      lastSequence: entries,
      leaseHolder: null,
      leaseEpoch: 0,
      leaseBinding: null,
      template: null,
      createdAt: new Date(at.getTime() - 3600_000),
      stateChangedAt: at,
      finishedAt: final ? at : null,
    });
    for (const tag of seed.tags ?? ['nightly']) rows.tags.push({ id: randomUUID(), run: runId, tag });
    for (let i = 1; i <= (seed.instances ?? 2); i++) {
      const name = `web.${i}`;
      rows.instances.push({ ...newInstanceRow(runId, { name, node: 'web', index: i, cloud: 'local' }, at), vm: seed.vm ?? 'terminated' });
      for (const key of ['hostname', 'ip']) {
        rows.parameters.push({ id: randomUUID(), run: runId, key: `${name}:${key}`, value: `${name}-${key}`, secret: false, description: '', updatedAt: at });
      }
    }
    rows.journal.push(
      ...journalRows(
        runId,
        0,
        Array.from({ length: entries }, (_, i) =>
          i % 5 === 0
            ? { kind: 'event' as const, type: 'state', actor: 'controller', text: `event ${i}`, time: at }
            : { kind: 'log' as const, type: 'stdout', instance: 'web.1', subject: 'deployment', text: `line ${i}`, time: at },
        ),
      ),
    );
    let reportPath: string | undefined;
    if (seed.reportsIn) {
      reportPath = join(privateReportDir(seed.reportsIn, runId, 'web.1'), 'report.tgz');
      writeFileSync(reportPath, 'report bytes');
      rows.reports.push({ id: randomUUID(), run: runId, instance: 'web.1', name: 'report.tgz', sizeBytes: 12, sha256: '0'.repeat(64), path: reportPath, createdAt: at });
    }
    seeded.push({ runId, reportPath });
  }
  await store.write(async (_repos, em) => {
    const tables = [
      [RunEntity, rows.runs],
      [RunTagEntity, rows.tags],
      [RunInstanceEntity, rows.instances],
      [RunParameterEntity, rows.parameters],
      [RunJournalEntity, rows.journal],
      [RunReportEntity, rows.reports],
    ] as const;
    for (const [entity, all] of tables) {
      for (let i = 0; i < all.length; i += ROWS_PER_INSERT) await em.insertMany(entity as never, all.slice(i, i + ROWS_PER_INSERT) as never[]);
    }
  });
  return seeded;
}

/** How many rows the run has in each table that holds rows of runs. */
export async function rowsOfRun(store: Store, runId: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of ['runs', 'run_tags', 'run_instances', 'run_parameters', 'run_journal', 'run_reports', 'run_requests']) {
    const column = table === 'runs' ? 'id' : 'run_id';
    const [row] = await store.execute<{ n: number | string }>(`select count(*) as n from ${table} where ${column} = ?`, [runId]);
    counts[table] = Number(row?.n ?? 0);
  }
  return counts;
}
