/** ControllerService as promises of its own message types. */
import * as pb from '../../proto/gen/slipstream/v1/controllers.js';
import { bound, unaryCaller, type Rpc, type UnaryCaller } from '../rpc.js';

/** The controller replicas sharing one database (admins of the operator tenant). */
export interface ControllersClient {
  readonly raw: pb.ControllerServiceClient;
  /** Every replica but those that ended over an hour ago, newest start first; the one that answered has `self`. */
  list: UnaryCaller<pb.ListControllersRequest, pb.ListControllersResponse>;
}

/** Builds the controllers sub-client over a raw client sharing the channel. */
export function createControllersClient(rpc: Rpc, raw: pb.ControllerServiceClient): ControllersClient {
  return {
    raw,
    list: unaryCaller(rpc, bound(raw, 'listControllers'), pb.ListControllersRequest.create()),
  };
}
