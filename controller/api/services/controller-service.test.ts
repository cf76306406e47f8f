/**
 * ControllerService on the real API server, both databases: an operator
 * admin lists the replicas' rows as stored (mode and state as enums), the
 * answering one marked `self`, long-ended ones left out; anyone else is
 * PERMISSION_DENIED; reflection lists the service.
 */
import { randomUUID } from 'node:crypto';
import { credentials } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlipstreamClient, PermissionDeniedError, type SlipstreamClient } from '../../../client/index.js';
import { ServerReflectionClient, type ServerReflectionResponse } from '../../../proto/gen/grpc/reflection/v1/reflection.js';
import { ControllerMode, ControllerState } from '../../../proto/gen/slipstream/v1/controllers.js';
import { TEST_DATABASES } from '../../../test/helpers/databases.js';
import { startTestApiServer, type TestApiServer } from '../../../test/helpers/api-server.js';
import { ControllerReplicaEntity, type ControllerReplicaRow } from '../../store/entities/controller-replica.js';

const HOUR = 3_600_000;

describe.each(TEST_DATABASES)('ControllerService on %s', (database) => {
  let api: TestApiServer;
  const clients: SlipstreamClient[] = [];
  const connect = (token: string) => {
    const client = createSlipstreamClient({ address: api.server.address, token });
    clients.push(client);
    return client;
  };
  const now = Date.now();
  let self: ControllerReplicaRow;
  let other: ControllerReplicaRow;

  beforeAll(async () => {
    api = await startTestApiServer(database);
    const row = (id: string, state: string, mode: string, startedAgoMs: number, heartbeatAgoMs: number): ControllerReplicaRow => ({
      id,
      host: `host-${state}`,
      pid: 4242,
      address: `10.0.0.${startedAgoMs % 250}:7070`,
      agentAddress: `10.0.0.${startedAgoMs % 250}:7071`,
      version: '0.1.0',
      mode,
      state,
      leaseMs: 15_000,
      runsOwned: 7,
      agentsConnected: 12,
      // Whole seconds: SQLite keeps milliseconds, but the assertions need not depend on it.
      startedAt: new Date(Math.floor((now - startedAgoMs) / 1000) * 1000),
      heartbeatAt: new Date(Math.floor((now - heartbeatAgoMs) / 1000) * 1000),
    });
    self = row(api.replicaId, 'serving', 'ha', 60_000, 1_000);
    other = row(randomUUID(), 'starting', 'ha', 5_000, 2_000);
    const longGone = row(randomUUID(), 'gone', 'ha', 5 * HOUR, 2 * HOUR);
    await api.store.write(async (_repos, em) => {
      for (const r of [self, other, longGone]) em.create(ControllerReplicaEntity, r);
      await em.flush();
    });
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await api?.close();
  });

  it('lists the replicas newest first, each mapped, the answering one marked self', async () => {
    const { controllers } = await connect(api.operatorAdminToken).controllers.list();
    expect(controllers).toEqual([
      {
        id: other.id,
        host: other.host,
        pid: 4242,
        address: other.address,
        agentAddress: other.agentAddress,
        version: '0.1.0',
        mode: ControllerMode.CONTROLLER_MODE_HA,
        state: ControllerState.CONTROLLER_STATE_STARTING,
        runsOwned: 7,
        agentsConnected: 12,
        startedAt: other.startedAt,
        heartbeatAt: other.heartbeatAt,
        leaseMs: 15_000,
        self: false,
      },
      expect.objectContaining({ id: self.id, state: ControllerState.CONTROLLER_STATE_SERVING, self: true }),
    ]);
  });

  it.each([
    ['a viewer of the operator tenant', 'ops', 'viewer', 'needs the admin role'],
    ['an admin of another tenant', 'acme', 'admin', 'reserved to admins of the operator tenant'],
  ] as const)('refuses %s: PERMISSION_DENIED', async (_who, tenant, role, message) => {
    const token = await api.tokenFor(tenant, `${role}-${tenant}`, role);
    const refused = connect(token).controllers.list();
    await expect(refused).rejects.toBeInstanceOf(PermissionDeniedError);
    await expect(refused).rejects.toThrow(message);
  });

  it('is listed by reflection', async () => {
    const reflection = new ServerReflectionClient(api.server.address, credentials.createInsecure());
    try {
      const answer = await new Promise<ServerReflectionResponse>((resolve, reject) => {
        const call = reflection.serverReflectionInfo();
        call.on('data', resolve);
        call.on('error', reject);
        call.write({ host: '', messageRequest: { $case: 'listServices', value: '' } });
        call.end();
      });
      const listed = answer.messageResponse?.$case === 'listServicesResponse' ? answer.messageResponse.value.service.map((s) => s.name) : [];
      expect(listed).toContain('slipstream.v1.ControllerService');
    } finally {
      reflection.close();
    }
  });
});
