/**
 * The TLS name of a channel to an IP address (issue 20): the client library
 * and the agent send no IP as SNI (no DEP0123 warning) yet accept only a
 * certificate that names the IP dialled, or the name configured instead.
 * Real TLS servers on 127.0.0.1, each with a certificate for other names.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgentClient } from '../../agent/channel.js';
import { createSlipstreamClient } from '../../client/index.js';
import { loadOrCreatePki, type ControllerPki } from '../../controller/auth/pki.js';
import { EnrollRequest } from '../../proto/gen/slipstream/v1/agent.js';

interface TlsServer {
  address: string;
  caPem: string;
}

const dirs: string[] = [];
const servers: grpc.Server[] = [];
const warnings: Error[] = [];
const onWarning = (warning: Error) => warnings.push(warning);

/** A TLS gRPC server on 127.0.0.1 whose certificate names `hosts` only; it serves health, so Slipstream calls answer UNIMPLEMENTED once TLS is through. */
async function tlsServer(hosts: string[]): Promise<TlsServer> {
  const dir = await mkdtemp(join(tmpdir(), 'slipstream-sni-'));
  dirs.push(dir);
  const pki: ControllerPki = await loadOrCreatePki(dir, { hosts });
  const server = new grpc.Server();
  servers.push(server);
  new HealthImplementation({ '': 'SERVING' }).addToServer(server);
  const credentials = grpc.ServerCredentials.createSsl(null, [{ cert_chain: Buffer.from(pki.serverCertPem), private_key: Buffer.from(pki.serverKeyPem) }]);
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', credentials, (err, bound) => (err ? reject(err) : resolve(bound))));
  return { address: `127.0.0.1:${port}`, caPem: pki.caCertPem };
}

/** The gRPC code a client library call ends with (UNIMPLEMENTED: TLS accepted). */
async function clientCallCode(server: TlsServer, serverName?: string): Promise<{ code: number; message: string }> {
  const client = createSlipstreamClient({
    address: server.address,
    tls: { ca: Buffer.from(server.caPem), ...(serverName ? { serverName } : {}) },
    defaultTimeoutMs: 10_000,
  });
  try {
    await client.users.whoAmI({});
    return { code: grpc.status.OK, message: '' };
  } catch (err) {
    return err as { code: number; message: string };
  } finally {
    client.close();
  }
}

/** The gRPC code an agent's Enroll call ends with. */
async function agentCallCode(server: TlsServer): Promise<{ code: number; details: string }> {
  const config = { controller: server.address, caCertificate: server.caPem, runId: 'r', instance: 'web.1', bootstrapToken: 't' };
  const client = createAgentClient(config);
  try {
    return await new Promise((resolve) =>
      client.enroll(EnrollRequest.fromPartial({}), new grpc.Metadata(), { deadline: Date.now() + 10_000 }, (err) =>
        resolve(err ? { code: err.code, details: err.details } : { code: grpc.status.OK, details: '' }),
      ),
    );
  } finally {
    client.close();
  }
}

describe('TLS to an IP address', () => {
  let generated: TlsServer;
  let ipOnly: TlsServer;
  let nameOnly: TlsServer;
  let elsewhere: TlsServer;

  beforeAll(async () => {
    process.on('warning', onWarning);
    // As the controller makes its own: localhost and 127.0.0.1.
    generated = await tlsServer(['localhost', '127.0.0.1']);
    // An operator's certificate whose only SAN is the IP.
    ipOnly = await tlsServer(['127.0.0.1']);
    // Names the SNI sent for an IP, but not the IP.
    nameOnly = await tlsServer(['localhost']);
    elsewhere = await tlsServer(['10.9.8.7', 'controller.example.com']);
  });

  afterAll(async () => {
    process.off('warning', onWarning);
    for (const server of servers) server.forceShutdown();
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('the client library and the agent connect to certificates that name the IP, with no DEP0123 warning', async () => {
    for (const server of [generated, ipOnly]) {
      expect(await clientCallCode(server)).toMatchObject({ code: grpc.status.UNIMPLEMENTED });
      expect(await agentCallCode(server)).toMatchObject({ code: grpc.status.UNIMPLEMENTED });
    }
    expect(warnings.map((w) => `${w.name}: ${w.message}`)).toEqual([]);
  });

  it('a certificate that does not name the IP dialled is refused, even when it names the SNI sent', async () => {
    for (const server of [nameOnly, elsewhere]) {
      const client = await clientCallCode(server);
      expect(client.code).toBe(grpc.status.UNAVAILABLE);
      expect(client.message).toContain("IP: 127.0.0.1 is not in the cert's list");
      const agent = await agentCallCode(server);
      expect(agent.code).toBe(grpc.status.UNAVAILABLE);
      expect(agent.details).toContain("IP: 127.0.0.1 is not in the cert's list");
    }
  });

  it('a configured server name is what the certificate must carry', async () => {
    expect(await clientCallCode(nameOnly, 'localhost')).toMatchObject({ code: grpc.status.UNIMPLEMENTED });
    expect(await clientCallCode(elsewhere, 'controller.example.com')).toMatchObject({ code: grpc.status.UNIMPLEMENTED });
    const wrongName = await clientCallCode(generated, 'controller.example.com');
    expect(wrongName.code).toBe(grpc.status.UNAVAILABLE);
    expect(wrongName.message).toContain('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(await clientCallCode(elsewhere, '10.9.8.7')).toMatchObject({ code: grpc.status.UNIMPLEMENTED });
    expect((await clientCallCode(elsewhere, '10.9.8.8')).code).toBe(grpc.status.UNAVAILABLE);
  });
});
