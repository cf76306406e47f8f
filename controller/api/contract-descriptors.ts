/**
 * The contract's descriptors (proto/gen/descriptor.binpb, which `npm run gen`
 * writes), read and parsed once per process for everything a start builds
 * from them: the request guard, reflection and the browser gateway. Parsed
 * for each, they cost 9-21 ms apiece (this machine), three times a start.
 */
import { createFileRegistry, fromBinary, type FileRegistry } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { loadDescriptorSet } from './reflection.js';

let parsed: FileRegistry | undefined;

/**
 * The registry of every file of the contract, imports included.
 *
 * @throws Error telling to run `npm run gen` when the descriptor set is missing.
 */
export function contractRegistry(): FileRegistry {
  parsed ??= createFileRegistry(fromBinary(FileDescriptorSetSchema, loadDescriptorSet()));
  return parsed;
}
