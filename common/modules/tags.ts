/**
 * Promotion tags of the catalog: a named pointer (`stable`, `production`)
 * from a module to one of its versions, moved by editors, with its history.
 * `path:TAG` (refs.ts) resolves to the version the tag points at.
 */

/** Where a tag points now. */
export interface ModuleTag {
  name: string;
  version: number;
  /** The user who last set it, and when. */
  setBy: string;
  setAt: Date;
}

/** One move of a tag: set (no `oldVersion`), moved, or removed (no `newVersion`). */
export interface ModuleTagChange {
  tag: string;
  oldVersion?: number;
  newVersion?: number;
  actor: string;
  time: Date;
  message: string;
}
