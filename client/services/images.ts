/** ImageService as promises of its own message types. */
import * as pb from '../../proto/gen/slipstream/v1/images.js';
import { bound, unaryCaller, type Rpc, type UnaryCaller } from '../rpc.js';

/** Images built from components: a build is a run (follow it with `runs.watch`). */
export interface ImagesClient {
  readonly raw: pb.ImageServiceClient;
  /** Starts a build on a cloud; the response's image id is its run's id. */
  build: UnaryCaller<pb.BuildImageRequest, pb.BuildImageResponse>;
  /** The tenant's built images, newest first (optionally of a path or folder, of a cloud). */
  list: UnaryCaller<pb.ListImagesRequest, pb.ListImagesResponse>;
  /** Deletes a built image on its cloud and forgets it. */
  delete: UnaryCaller<pb.DeleteImageRequest, pb.DeleteImageResponse>;
}

/** Builds the images sub-client over a raw client sharing the channel. */
export function createImagesClient(rpc: Rpc, raw: pb.ImageServiceClient): ImagesClient {
  return {
    raw,
    build: unaryCaller(rpc, bound(raw, 'buildImage'), pb.BuildImageRequest.create()),
    list: unaryCaller(rpc, bound(raw, 'listImages'), pb.ListImagesRequest.create()),
    delete: unaryCaller(rpc, bound(raw, 'deleteImage'), pb.DeleteImageRequest.create()),
  };
}
