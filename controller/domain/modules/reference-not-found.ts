import { NotFoundError } from '../../../common/errors.js';
import type { ModuleReference } from '../../../common/modules/types.js';

/**
 * The NOT_FOUND of a reference the catalog cannot answer, naming what is
 * missing: the tag for `path:TAG` (the module may exist without it), else
 * the module. `text` is the reference as the caller wrote it.
 */
export function referenceNotFound(text: string, ref: ModuleReference | undefined): NotFoundError {
  if (ref?.tag !== undefined) return new NotFoundError('tag', text, `tag '${ref.tag}' of module '${ref.path}' not found`);
  return new NotFoundError('module', text);
}
