/**
 * What a run is for: a `deployment` (an application or a component launched
 * to run), or an `image_build` (ImageService: one instance of a component runs
 * its preinstall, packages and postinstall, then the controller snapshots its
 * VM into an image and the run ends).
 */
export const RUN_KINDS = ['deployment', 'image_build'] as const;
export type RunKind = (typeof RUN_KINDS)[number];

/** The kind of a stored value; anything unknown reads as a deployment (every run before image builds is one). */
export function runKindOf(value: string | null | undefined): RunKind {
  return value === 'image_build' ? 'image_build' : 'deployment';
}
