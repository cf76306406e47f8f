/** How built images (ImageService) look in listings and JSON output. */
import { ImageState, type BuiltImage } from '../../../proto/gen/slipstream/v1/images.js';
import { formatTime, type Column } from '../output.js';

/** A built image for output. */
export interface ImageView {
  /** The build's id (its run's). */
  id: string;
  component: string;
  cloud: string;
  state: string;
  imageId: string;
  message: string;
  baseImage: string;
  builtBy: string;
  createdAt: string;
  builtAt: string;
}

const STATES: Record<number, string> = {
  [ImageState.IMAGE_STATE_BUILDING]: 'building',
  [ImageState.IMAGE_STATE_AVAILABLE]: 'available',
  [ImageState.IMAGE_STATE_FAILED]: 'failed',
};

/** Wire built image -> output shape. */
export function imageView(image: BuiltImage): ImageView {
  return {
    id: image.id,
    component: `${image.component?.path ?? ''}@${image.component?.version ?? 0}`,
    cloud: image.cloud,
    state: STATES[image.state] ?? 'unknown',
    imageId: image.imageId,
    message: image.message,
    baseImage: image.baseImage,
    builtBy: image.builtBy,
    createdAt: formatTime(image.createdAt),
    builtAt: formatTime(image.builtAt),
  };
}

export const IMAGE_COLUMNS: Column<ImageView>[] = [
  { header: 'build', value: (i) => i.id },
  { header: 'component', value: (i) => i.component },
  { header: 'cloud', value: (i) => i.cloud },
  { header: 'state', value: (i) => i.state },
  { header: 'image', value: (i) => i.imageId },
  { header: 'built by', value: (i) => i.builtBy },
  { header: 'built at', value: (i) => i.builtAt || i.createdAt },
  { header: 'message', value: (i) => i.message },
];
