/**
 * Clouds whose VMs run on other machines need an address of this controller
 * they can reach (advertised-address.ts). A controller that has none refuses
 * to start while such a cloud is in its catalog, refuses to add one, and fails
 * provisioning on one (another replica may have added it) rather than boot a
 * VM that cannot call home.
 */
import { runsOnControllerHost, type ConnectorDriver } from './connectors/connector.js';

/** A start refused because a cloud's VMs could not reach this controller; the message says which flag to set. */
export class UnreachableControllerError extends Error {
  override name = 'UnreachableControllerError';
}

/** True when the driver's VMs run on other machines than the controller's (every driver but `local` and a `fake` over it). */
export function makesRemoteVms(driver: ConnectorDriver | undefined): boolean {
  return !(driver && runsOnControllerHost(driver));
}

/** Why a cloud cannot be used by a controller without a routable address (`unreachable` from AdvertisedAddresses), and what to set. */
export function remoteCloudProblem(cloud: { name: string; driver: string }, unreachable: string): string {
  return (
    `cloud '${cloud.name}' (driver ${cloud.driver}) makes VMs on other machines, but ${unreachable}: ` +
    'give the controller --public-address HOST (SLIPSTREAM_PUBLIC_ADDRESS), the name or IP address those VMs reach it by, or --agent-address HOST:PORT'
  );
}

/** Throws UnreachableControllerError at start when a cloud of the catalog makes VMs that could not reach this controller. */
export function refuseRemoteClouds(
  clouds: readonly { name: string; driver: string }[],
  driverOf: (name: string) => ConnectorDriver | undefined,
  unreachable: string | undefined,
): void {
  if (unreachable === undefined) return;
  const remote = clouds.filter((cloud) => makesRemoteVms(driverOf(cloud.driver)));
  if (remote.length === 0) return;
  const more = remote.length > 1 ? ` (and ${remote.length - 1} more: ${remote.slice(1).map((c) => c.name).join(', ')})` : '';
  throw new UnreachableControllerError(`refusing to start: ${remoteCloudProblem(remote[0]!, unreachable)}${more}`);
}
