import { createHash, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { chmodSync, createWriteStream, renameSync, rmSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import type { ServerDuplexStream, ServerReadableStream } from '@grpc/grpc-js';
import type * as pb from '../../../proto/gen/slipstream/v1/agent.js';
import type { AgentAuthenticator } from '../../auth/agent-authenticator.js';
import { FailedPreconditionError, InvalidArgumentError, UnauthenticatedError } from '../../../common/errors.js';
import { isFinal } from '../../../common/runs/states.js';
import { hashAgentSecret, type BootstrapTokens } from '../../auth/bootstrap-tokens.js';
import { Batcher } from '../../concurrency/batcher.js';
import { bidiStreamHandler, callGone, clientStreamHandler, unaryHandler } from '../call-handlers.js';
import { runReportToProto } from '../convert/runs.js';
import type { Store } from '../../store/store.js';
import { AgentSession, type SessionDeps } from './agent-session.js';
import { privateReportDir } from './report-dir.js';
import { DEFAULT_REPORT_QUOTA, ReportQuotaExceededError, ReportQuotas, type ReportQuotaLimits, type ReportUpload } from './report-quota.js';
import { REPORT_REFUSED_EVENT } from '../../domain/runs/report-missing.js';

type EnrollOutcome = { enrolled: pb.EnrollResponse } | { error: Error };

const REPORT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export interface AgentServiceDeps extends SessionDeps {
  store: Store;
  agentAuthenticator: AgentAuthenticator;
  bootstrapTokens: BootstrapTokens;
  dataDir: string;
  /** Each instance's report quota; default DEFAULT_REPORT_QUOTA. */
  reportQuota?: ReportQuotaLimits;
}

/** Handlers of slipstream.v1.AgentService. */
export function agentService(deps: AgentServiceDeps): pb.AgentServiceServer {
  const log = deps.log.child({ part: 'agents' });

  // Agents booting together enroll together: one read and one write (per run) for everyone who asked while the last
  // batch was stored. One batch at a time, so no enrollment of this controller writes between a batch's read and write;
  // a batch that fails after storing some credentials is retried by its agents, and a retry gets the stored credential.
  const enrollments = new Batcher<string, EnrollOutcome>(async (_key, tokens) => {
    const hashes = tokens.map(hashAgentSecret);
    const logins = await deps.store.read((repos) => repos.agentLogins.byHash('bootstrapHash', hashes));
    const instances = new Map(logins.map((i) => [i.bootstrapHash!, i]));
    const now = new Date();
    const credentials = new Map<string, Map<string, string>>();
    const used = new Set<string>();
    const outcomes = hashes.map((hash, position): EnrollOutcome => {
      const instance = instances.get(hash);
      if (!instance) return { error: new UnauthenticatedError('invalid bootstrap token') };
      const credential = deps.bootstrapTokens.credentialFor(tokens[position]!);
      const expired = !!instance.bootstrapExpiresAt && instance.bootstrapExpiresAt.getTime() <= now.getTime();
      // A retry whose first answer was lost (the agent has not opened a session yet) gets the same credential again,
      // also when the timed-out call and its retry reach the same batch.
      const retried = used.has(hash) || (!!instance.bootstrapUsedAt && !expired && instance.credentialHash === hashAgentSecret(credential));
      if (instance.bootstrapUsedAt && !retried) return { error: new UnauthenticatedError('bootstrap token already used') };
      if (expired) return { error: new UnauthenticatedError('bootstrap token expired') };
      if (isFinal(instance.runState)) return { error: new FailedPreconditionError('RUN_FINISHED', instance.run, 'the run has finished') };
      if (retried) return { enrolled: { credential, runId: instance.run, instance: instance.name } };
      // The same token twice in one batch is stored once (the rows are updated in bulk below).
      used.add(hash);
      const ofRun = credentials.get(instance.run) ?? new Map<string, string>();
      ofRun.set(instance.name, hashAgentSecret(credential));
      credentials.set(instance.run, ofRun);
      return { enrolled: { credential, runId: instance.run, instance: instance.name } };
    });
    for (const [runId, ofRun] of credentials) await deps.store.writeStatement((repos) => repos.agentLogins.storeCredentials(runId, ofRun, now));
    return outcomes;
  });

  const enroll = unaryHandler(log, async (request: pb.EnrollRequest, { signal }): Promise<pb.EnrollResponse> => {
    const token = request.bootstrapToken;
    if (!/^ssb_[A-Za-z0-9_-]{20,}$/.test(token)) throw new UnauthenticatedError('invalid bootstrap token');
    // An agent that gave up waiting (its deadline passed while thousands connected) has retried already: not answered.
    signal.throwIfAborted();
    const outcome = await enrollments.submit('enroll', token);
    if ('error' in outcome) throw outcome.error;
    log.info({ runId: outcome.enrolled.runId, instance: outcome.enrolled.instance }, 'agent enrolled');
    return outcome.enrolled;
  });

  const session = bidiStreamHandler(log, async (call: ServerDuplexStream<pb.SessionRequest, pb.SessionResponse>, { metadata, signal }) => {
    const agent = await deps.agentAuthenticator.authenticate(metadata);
    // Ended while its credential was checked (the agent gave up, a newer session replaced it): nothing to start.
    if (signal.aborted) return;
    new AgentSession(call, agent, deps).start(signal);
  });

  const reportQuotas = new ReportQuotas(deps.reportQuota ?? DEFAULT_REPORT_QUOTA);

  const uploadReport = clientStreamHandler(
    log,
    async (call: ServerReadableStream<pb.UploadReportRequest, pb.UploadReportResponse>, { metadata, signal }): Promise<pb.UploadReportResponse> => {
      const agent = await deps.agentAuthenticator.authenticate(metadata);
      let upload: ReportUpload | undefined;
      let out: WriteStream | undefined;
      let temp: string | undefined;
      try {
        const dir = privateReportDir(deps.dataDir, agent.runId, agent.instance);
        const hash = createHash('sha256');
        let name: string | undefined;
        /** The size the first message declared (0: an agent too old to close its uploads), and the closing hash. */
        let declared = 0;
        let closingSha256: string | undefined;
        for await (const message of call as AsyncIterable<pb.UploadReportRequest>) {
          if (closingSha256 !== undefined) throw new InvalidArgumentError([{ field: 'chunk', description: 'no message may follow the closing one (sha256)' }]);
          if (name === undefined) {
            if (!REPORT_NAME.test(message.name)) throw new InvalidArgumentError([{ field: 'name', description: 'must be a plain file name' }]);
            name = message.name;
            upload = await reportQuotas.begin(agent.runId, agent.instance, name, async () =>
              (await deps.store.read((repos) => repos.reports.ofRun(agent.runId))).filter((r) => r.instance === agent.instance),
            );
            if (message.size < 0) throw new InvalidArgumentError([{ field: 'size', description: 'must not be negative' }]);
            declared = message.size;
            temp = join(dir, `.${name}.${randomUUID()}.part`);
            out = createWriteStream(temp, { mode: 0o600 });
          }
          if (message.sha256 !== '') {
            if (message.chunk.length > 0) throw new InvalidArgumentError([{ field: 'chunk', description: 'the closing message (sha256) carries no bytes' }]);
            closingSha256 = message.sha256;
            continue;
          }
          if (message.chunk.length === 0) continue;
          upload!.add(message.chunk.length);
          hash.update(message.chunk);
          if (!out!.write(message.chunk)) await once(out!, 'drain', { signal });
        }
        if (!name || !out || !upload) throw new InvalidArgumentError([{ field: 'name', description: 'the first message must name the report' }]);
        await new Promise<void>((resolve, reject) => out!.end((err?: Error | null) => (err ? reject(err) : resolve())));
        const sha256 = hash.digest('hex');
        if (declared > 0 || closingSha256 !== undefined) {
          // A cut or cancelled upload never sends its closing message: it stores nothing (and a cancelled one is not answered).
          if (closingSha256 === undefined) {
            throw new InvalidArgumentError([{ field: 'sha256', description: `the upload declared ${declared} bytes and ended without its closing message` }]);
          }
          if (declared !== upload.bytes) throw new InvalidArgumentError([{ field: 'size', description: `says ${declared} bytes; the controller received ${upload.bytes}` }]);
          if (closingSha256 !== sha256) throw new InvalidArgumentError([{ field: 'sha256', description: `does not match the bytes the controller received (sha256 ${sha256})` }]);
        } else if (signal.aborted) {
          // An agent too old to close its uploads: a cancelled call ends its messages as a finished one does, and is
          // marked cancelled only a moment later (grpc-js sees the stream's end, then its reset), so it is asked once
          // the file is flushed. Best effort; the closing message is the guarantee.
          throw new UploadCancelledError();
        }
        const path = join(dir, name);
        renameSync(temp!, path);
        temp = undefined;
        // Created 0600, as far as the umask allows: made so whatever it is.
        chmodSync(path, 0o600);
        const bytes = upload.bytes;
        const row = await upload.store(() =>
          deps.store.write(async (repos) => {
            const existing = await repos.reports.find(agent.runId, agent.instance, name);
            const report = existing ?? repos.reports.add({ run: agent.runId, instance: agent.instance, name, sizeBytes: bytes, sha256, path });
            Object.assign(report, { sizeBytes: bytes, sha256, path });
            await repos.flush();
            return report;
          }),
        );
        await deps.engine.recordEvent(agent.runId, {
          type: 'report',
          actor: `agent:${agent.instance}`,
          instance: agent.instance,
          text: `report ${name} uploaded (${bytes} bytes)`,
        });
        return { report: runReportToProto(row) };
      } catch (err) {
        upload?.end();
        out?.destroy();
        if (temp) rmSync(temp, { force: true });
        // The agent went away mid-upload (its stream reads as closed too early): nothing failed here, and the wrapper
        // answers nobody (call-handlers.ts).
        if (err instanceof UploadCancelledError || signal.aborted || callGone(err, signal)) {
          log.debug({ runId: agent.runId, instance: agent.instance }, 'report upload cancelled by the agent');
        } else if (err instanceof ReportQuotaExceededError) {
          await reportRefused(agent.runId, agent.instance, err);
        }
        throw err;
      }
    },
  );

  /** A refused upload is an event of the run: its operator sees why a report is missing. */
  const reportRefused = async (runId: string, instance: string, err: ReportQuotaExceededError) => {
    log.warn({ runId, instance, limit: err.limit }, 'report refused');
    await deps.engine
      .recordEvent(runId, { type: REPORT_REFUSED_EVENT, actor: 'controller', instance, text: err.message })
      .catch((failure: unknown) => log.error({ err: failure, runId }, 'recording a refused report failed'));
  };

  return { enroll, session, uploadReport };
}

/** The agent cancelled an upload: nothing is stored and nobody is answered. */
class UploadCancelledError extends Error {}
