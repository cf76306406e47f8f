import { Etcd3 } from 'etcd3';

/**
 * An etcd3 client on its own TCP connection, as each agent has its own. grpc-js shares one connection between
 * channels with the same target and options in a process; a distinct user agent per client keeps its KV, Watch
 * and Lease services on one connection of their own.
 */
export function connectEtcd(endpoint: string, label: string): Etcd3 {
  return new Etcd3({ hosts: endpoint, grpcOptions: { 'grpc.primary_user_agent': `slipstream-bench-${label}` } });
}

/** Nanoseconds of CLOCK_MONOTONIC, which Linux shares between processes, as a decimal string. */
export function monotonicStamp(): string {
  return String(process.hrtime.bigint());
}
