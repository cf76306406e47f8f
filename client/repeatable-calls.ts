/**
 * Which unary calls may be sent again after UNAVAILABLE. UNAVAILABLE does not
 * say whether the controller ran the call (a connection dropped after the
 * request went out looks like one refused), so only calls whose second
 * run changes nothing are repeated: reads, a launch that carries a request
 * id (the controller answers its repeat with the first run), and the abort
 * flag (set: the first message wins; cleared: cleared).
 */

/** Read-only methods, by their full gRPC path. */
const READS: ReadonlySet<string> = new Set(
  [
    'RunService/GetRun',
    'RunService/ListRuns',
    'RunService/GetRunParameter',
    'RunService/ListRunParameters',
    'RunService/ListRunEvents',
    'RunService/ListRunLogs',
    'RunService/ListRunReports',
    'ModuleService/GetModule',
    'ModuleService/ListModules',
    'ModuleService/ListModuleVersions',
    'ModuleService/ValidateModule',
    'ModuleService/ResolveModule',
    'ModuleService/ListModuleTags',
    'ModuleService/ListPublications',
    'ModuleService/ListSharedModules',
    'ModuleService/ListModuleTagHistory',
    'CloudService/GetCloud',
    'CloudService/ListClouds',
    'CloudService/ListQuotas',
    'TenantService/GetTenant',
    'TenantService/ListTenants',
    'TokenService/ListTokens',
    'UserService/WhoAmI',
    'UserService/GetUser',
    'UserService/ListUsers',
    'ControllerService/ListControllers',
    'UsageService/GetUsage',
    'TemplateService/GetTemplate',
    'ImageService/ListImages',
    'TemplateService/ListTemplates',
    'TemplateService/ListTemplateVersions',
  ].map((method) => `/slipstream.v1.${method}`),
);

/** Calls that are idempotent given their request. */
const IDEMPOTENT: Readonly<Record<string, (request: unknown) => boolean>> = {
  '/slipstream.v1.RunService/LaunchRun': (request) => hasRequestId(request),
  '/slipstream.v1.RunService/AbortRun': () => true,
  // Publishing renews a publication that exists; withdrawing one that is gone withdraws nothing.
  '/slipstream.v1.ModuleService/PublishModule': () => true,
  '/slipstream.v1.ModuleService/UnpublishModule': () => true,
};

function hasRequestId(request: unknown): boolean {
  const id = (request as { requestId?: unknown } | null)?.requestId;
  return typeof id === 'string' && id !== '';
}

/** The call to `path` with `request` may be sent again after UNAVAILABLE; an unknown path (a raw call) may not. */
export function isRepeatable(path: string | undefined, request: unknown): boolean {
  if (path === undefined) return false;
  return READS.has(path) || IDEMPOTENT[path]?.(request) === true;
}
