/**
 * The contract's descriptors (proto/gen/descriptor.binpb, which `npm run gen`
 * writes), read and parsed once per process for everything a start builds
 * from them: the request guard, reflection and the browser gateway. Parsed
 * for each, they cost 9-21 ms apiece (this machine), three times a start.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createFileRegistry, fromBinary, type FileRegistry } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';

let parsed: FileRegistry | undefined;

/**
 * Reads the FileDescriptorSet that `npm run gen` writes (`buf build -o proto/gen/descriptor.binpb`).
 *
 * @param path - defaults to `proto/gen/descriptor.binpb` in this repository.
 * @throws Error naming the path and telling to run `npm run gen` when the file is missing.
 */
export function loadDescriptorSet(
  path: string = fileURLToPath(new URL('../../proto/gen/descriptor.binpb', import.meta.url)),
): Uint8Array {
  try {
    return readFileSync(path);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(`gRPC descriptor set ${path} is missing: run \`npm run gen\``, { cause });
    }
    throw cause;
  }
}

/**
 * The registry of every file of the contract, imports included.
 *
 * @throws Error telling to run `npm run gen` when the descriptor set is missing.
 */
export function contractRegistry(): FileRegistry {
  parsed ??= createFileRegistry(fromBinary(FileDescriptorSetSchema, loadDescriptorSet()));
  return parsed;
}
