import { createHash } from 'node:crypto';
import { createWriteStream, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { handleClientStreamingCall, handleUnaryCall, ServerDuplexStream } from '@grpc/grpc-js';
import type * as pb from '../../../proto/gen/slipstream/v1/agent.js';
import type { AgentAuthenticator } from '../../auth/agent-authenticator.js';
import { FailedPreconditionError, InvalidArgumentError, ResourceExhaustedError, UnauthenticatedError } from '../../domain/errors.js';
import { isFinal } from '../../domain/runs/state-machine.js';
import { hashAgentSecret, type BootstrapTokens } from '../../scheduler/bootstrap-tokens.js';
import { Batcher } from '../../scheduler/batcher.js';
import { toStatus } from '../errors.js';
import { runReportToProto } from '../convert/runs.js';
import type { Store } from '../../store/store.js';
import { AgentSession, type SessionDeps } from './agent-session.js';

type EnrollOutcome = { enrolled: pb.EnrollResponse } | { error: Error };

/** Largest report an agent may upload. */
const MAX_REPORT_BYTES = 256 * 1024 * 1024;
const REPORT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export interface AgentServiceDeps extends SessionDeps {
  store: Store;
  agentAuthenticator: AgentAuthenticator;
  bootstrapTokens: BootstrapTokens;
  dataDir: string;
}

/** Handlers of slipstream.v1.AgentService. */
export function agentService(deps: AgentServiceDeps): pb.AgentServiceServer {
  const log = deps.log.child({ component: 'agents' });

  // Agents booting together enroll together: one read and one write (per run) for everyone who asked while the last
  // batch was stored. One batch at a time, so no enrollment of this controller writes between a batch's read and write;
  // a batch that fails after storing some credentials is retried by its agents, and a retry gets the stored credential.
  const enrollments = new Batcher<string, EnrollOutcome>(async (_key, tokens) => {
    const hashes = tokens.map(hashAgentSecret);
    const logins = await deps.store.read((repos) => repos.runs.instanceLogins('bootstrapHash', hashes));
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
    for (const [runId, ofRun] of credentials) await deps.store.writeStatement((repos) => repos.runs.storeCredentials(runId, ofRun, now));
    return outcomes;
  });

  const enroll: handleUnaryCall<pb.EnrollRequest, pb.EnrollResponse> = (call, callback) => {
    void (async () => {
      try {
        const token = call.request.bootstrapToken;
        if (!/^ssb_[A-Za-z0-9_-]{20,}$/.test(token)) throw new UnauthenticatedError('invalid bootstrap token');
        // An agent that gave up waiting (its deadline passed while thousands connected) has retried already.
        if (call.cancelled) return;
        const outcome = await enrollments.submit('enroll', token);
        if ('error' in outcome) throw outcome.error;
        log.info({ runId: outcome.enrolled.runId, instance: outcome.enrolled.instance }, 'agent enrolled');
        callback(null, outcome.enrolled);
      } catch (err) {
        callback(toStatus(err, log));
      }
    })();
  };

  const session = (call: ServerDuplexStream<pb.SessionRequest, pb.SessionResponse>) => {
    void (async () => {
      try {
        const agent = await deps.agentAuthenticator.authenticate(call.metadata);
        new AgentSession(call, agent, deps).start();
      } catch (err) {
        call.emit('error', toStatus(err, log));
      }
    })();
  };

  const uploadReport: handleClientStreamingCall<pb.UploadReportRequest, pb.UploadReportResponse> = (call, callback) => {
    let failed = false;
    const fail = (err: unknown) => {
      if (failed) return;
      failed = true;
      callback(toStatus(err, log));
    };
    void (async () => {
      let agent;
      try {
        agent = await deps.agentAuthenticator.authenticate(call.metadata);
      } catch (err) {
        return fail(err);
      }
      const dir = join(deps.dataDir, 'reports', agent.runId, agent.instance);
      mkdirSync(dir, { recursive: true });
      let name: string | undefined;
      let bytes = 0;
      const hash = createHash('sha256');
      let out: ReturnType<typeof createWriteStream> | undefined;
      let temp = '';
      call.on('data', (message: pb.UploadReportRequest) => {
        if (failed) return;
        if (name === undefined) {
          if (!REPORT_NAME.test(message.name)) return fail(new InvalidArgumentError([{ field: 'name', description: 'must be a plain file name' }]));
          name = message.name;
          temp = join(dir, `.${name}.${process.pid}.part`);
          out = createWriteStream(temp, { mode: 0o600 });
        }
        if (message.chunk.length === 0) return;
        bytes += message.chunk.length;
        if (bytes > MAX_REPORT_BYTES) return fail(new ResourceExhaustedError(`report larger than ${MAX_REPORT_BYTES} bytes`));
        hash.update(message.chunk);
        if (!out!.write(message.chunk)) {
          call.pause();
          out!.once('drain', () => call.resume());
        }
      });
      call.on('end', () => {
        if (failed) return;
        if (!name || !out) return fail(new InvalidArgumentError([{ field: 'name', description: 'the first message must name the report' }]));
        out.end(() => {
          void (async () => {
            try {
              const path = join(dir, name!);
              renameSync(temp, path);
              const sha256 = hash.digest('hex');
              const row = await deps.store.write(async (repos) => {
                const existing = await repos.runs.report(agent.runId, agent.instance, name!);
                const report = existing ?? repos.runs.addReport({ run: agent.runId, instance: agent.instance, name: name!, sizeBytes: bytes, sha256, path });
                Object.assign(report, { sizeBytes: bytes, sha256, path });
                await repos.runs.flush();
                return report;
              });
              await deps.engine.recordEvent(agent.runId, {
                type: 'report',
                actor: `agent:${agent.instance}`,
                instance: agent.instance,
                text: `report ${name} uploaded (${bytes} bytes)`,
              });
              callback(null, { report: runReportToProto(row) });
            } catch (err) {
              fail(err);
            }
          })();
        });
      });
      call.on('error', () => out?.destroy());
    })();
  };

  return { enroll, session, uploadReport };
}
