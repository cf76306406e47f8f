/** Usage sums <-> slipstream.v1 usage messages. */
import type * as pb from '../../../proto/gen/slipstream/v1/usage.js';
import type { UsageSums } from '../../store/repositories/usage.js';

const SECONDS_PER_HOUR = 3600;

/** A group's sums as a UsageRow (instance-seconds as hours). */
export function usageRowToProto(sums: UsageSums): pb.UsageRow {
  return {
    tenant: sums.tenant,
    user: sums.user,
    cloud: sums.cloud,
    module: sums.module,
    instanceHours: sums.instanceSeconds / SECONDS_PER_HOUR,
    runs: sums.runs,
    instances: sums.instances,
  };
}
