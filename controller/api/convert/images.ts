/** Built images (ImageService) between storage and the wire. */
import * as pb from '../../../proto/gen/slipstream/v1/images.js';
import type { BuiltImageRow } from '../../store/entities/built-image.js';

const STATES: Record<string, pb.ImageState> = {
  building: pb.ImageState.IMAGE_STATE_BUILDING,
  available: pb.ImageState.IMAGE_STATE_AVAILABLE,
  failed: pb.ImageState.IMAGE_STATE_FAILED,
};

/** A stored build -> wire. */
export function builtImageToProto(row: BuiltImageRow): pb.BuiltImage {
  return {
    id: row.id,
    component: { path: row.modulePath, version: row.moduleVersion, tenant: '' },
    cloud: row.cloud,
    imageId: row.imageId ?? '',
    state: STATES[row.state] ?? pb.ImageState.IMAGE_STATE_UNSPECIFIED,
    message: row.message ?? '',
    runId: row.id,
    baseImage: row.baseImage,
    builtBy: row.builtBy,
    createdAt: row.createdAt,
    builtAt: row.builtAt ?? undefined,
  };
}
