/** Run kinds between the wire and the domain (both sides use these). */
import { RunKind as PbRunKind } from '../../proto/gen/slipstream/v1/runs.js';
import type { RunKind } from '../runs/run-kinds.js';

export function runKindToProto(kind: RunKind): PbRunKind {
  return kind === 'image_build' ? PbRunKind.RUN_KIND_IMAGE_BUILD : PbRunKind.RUN_KIND_DEPLOYMENT;
}

/** UNSPECIFIED (a controller from before image builds) reads as a deployment. */
export function runKindFromProto(kind: PbRunKind): RunKind {
  return kind === PbRunKind.RUN_KIND_IMAGE_BUILD ? 'image_build' : 'deployment';
}
