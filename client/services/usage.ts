/** UsageService as promises of the client's own types. */
import * as pb from '../../proto/gen/slipstream/v1/usage.js';
import type { UsageGroupKey } from '../../common/usage/group-keys.js';
import type { CallOptions } from '../options.js';
import { bound, type Rpc } from '../rpc.js';

/** One group's usage over the period; keys not grouped by are ''. */
export interface UsageRow {
  tenant: string;
  user: string;
  cloud: string;
  module: string;
  instanceHours: number;
  /** Runs launched in the period. */
  runs: number;
  /** Instances whose VM ran some time in the period. */
  instances: number;
}

/** A period's usage, as the controller read it at `asOf`. */
export interface Usage {
  rows: UsageRow[];
  totals: UsageRow;
  from: Date;
  to: Date;
  groupBy: string[];
  asOf: Date;
}

/** What to read: the period [from, to), the keys (none = all four), whose usage. */
export interface UsageQuery {
  from: Date;
  to: Date;
  groupBy?: readonly UsageGroupKey[];
  /** A tenant by name (others than your own: operator admins); absent = yours. */
  tenant?: string;
  /** Every tenant (operator admins). */
  allTenants?: boolean;
}

function rowFromProto(row: pb.UsageRow | undefined): UsageRow {
  const r = row ?? pb.UsageRow.create();
  return { tenant: r.tenant, user: r.user, cloud: r.cloud, module: r.module, instanceHours: r.instanceHours, runs: r.runs, instances: r.instances };
}

/** Usage metering: instance-hours and launched runs (admins; other tenants' and all: operator admins). */
export class UsageClient {
  constructor(
    private readonly rpc: Rpc,
    readonly raw: pb.UsageServiceClient,
  ) {}

  /** The period's usage grouped by `groupBy`, with totals. */
  async get(query: UsageQuery, call?: CallOptions): Promise<Usage> {
    const request: pb.GetUsageRequest = {
      from: query.from,
      to: query.to,
      groupBy: [...(query.groupBy ?? [])],
      tenant: query.tenant ?? '',
      allTenants: query.allTenants ?? false,
    };
    const response = await this.rpc.unary(bound(this.raw, 'getUsage'), request, call);
    return {
      rows: response.rows.map(rowFromProto),
      totals: rowFromProto(response.totals),
      from: response.from ?? query.from,
      to: response.to ?? query.to,
      groupBy: response.groupBy,
      asOf: response.asOf ?? new Date(),
    };
  }
}
