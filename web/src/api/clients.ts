/**
 * Typed clients of the controller's public API, reached over the Connect protocol on the same origin that served
 * the dashboard (the controller's HTTP port), with the signed-in token as a bearer credential: the same
 * authorization, roles and masking as any gRPC client, no private endpoint.
 */
import { createClient, type Client, type Interceptor } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-web';
import { CloudService } from '../../../proto/gen/es/slipstream/v1/clouds_pb.js';
import { ControllerService } from '../../../proto/gen/es/slipstream/v1/controllers_pb.js';
import { ModuleService } from '../../../proto/gen/es/slipstream/v1/modules_pb.js';
import { RunService } from '../../../proto/gen/es/slipstream/v1/runs_pb.js';
import { TenantService } from '../../../proto/gen/es/slipstream/v1/tenants_pb.js';
import { TokenService } from '../../../proto/gen/es/slipstream/v1/tokens_pb.js';
import { UserService } from '../../../proto/gen/es/slipstream/v1/users_pb.js';
import { storedToken } from './session.js';

const withToken: Interceptor = (next) => (req) => {
  const token = storedToken();
  if (token) req.header.set('authorization', `Bearer ${token}`);
  return next(req);
};

const transport = createConnectTransport({
  baseUrl: location.origin,
  useBinaryFormat: true,
  interceptors: [withToken],
});

export interface Api {
  runs: Client<typeof RunService>;
  modules: Client<typeof ModuleService>;
  users: Client<typeof UserService>;
  tokens: Client<typeof TokenService>;
  tenants: Client<typeof TenantService>;
  clouds: Client<typeof CloudService>;
  controllers: Client<typeof ControllerService>;
}

export const api: Api = {
  runs: createClient(RunService, transport),
  modules: createClient(ModuleService, transport),
  users: createClient(UserService, transport),
  tokens: createClient(TokenService, transport),
  tenants: createClient(TenantService, transport),
  clouds: createClient(CloudService, transport),
  controllers: createClient(ControllerService, transport),
};
