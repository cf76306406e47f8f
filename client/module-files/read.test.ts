import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseModuleFile, readModuleFiles } from './read.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipstream-read-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('readModuleFiles', () => {
  it('finds .yaml and .yml files recursively, sorted, skipping hidden entries and other files', async () => {
    await mkdir(join(dir, 'b', 'deep'), { recursive: true });
    await mkdir(join(dir, '.git'));
    await writeFile(join(dir, 'b', 'deep', 'z.yml'), 'path: z\n');
    await writeFile(join(dir, 'b', 'a.yaml'), 'path: a\n');
    await writeFile(join(dir, 'B.yaml'), 'path: upper\n');
    await writeFile(join(dir, 'README.md'), '# not a module\n');
    await writeFile(join(dir, '.git', 'x.yaml'), 'path: hidden\n');
    const files = await readModuleFiles(dir);
    expect(files.map((f) => f.file)).toEqual([join(dir, 'B.yaml'), join(dir, 'b', 'a.yaml'), join(dir, 'b', 'deep', 'z.yml')]);
    expect(files.map((f) => f.raw)).toEqual([{ path: 'upper' }, { path: 'a' }, { path: 'z' }]);
  });

  it('reads a single file whatever its name', async () => {
    await writeFile(join(dir, 'module.txt'), 'path: t\n');
    expect(await readModuleFiles(join(dir, 'module.txt'))).toEqual([{ file: join(dir, 'module.txt'), raw: { path: 't' } }]);
  });

  it('rejects a path that does not exist', async () => {
    await expect(readModuleFiles(join(dir, 'missing'))).rejects.toThrow(/ENOENT/);
  });
});

describe('parseModuleFile', () => {
  it('locates syntax errors by line and column', () => {
    expect(parseModuleFile('f', 'path: a\nkind: [x\n').error).toMatchObject({ line: 3, column: 1 });
    expect(parseModuleFile('f', 'path: a\npath: b\n').error).toEqual({ message: 'Map keys must be unique', line: 2, column: 1 });
  });

  it('allows one document per file', () => {
    expect(parseModuleFile('f', 'path: a\n---\npath: b\n').error).toEqual({
      message: 'a module file holds one YAML document; found 2',
      line: 2,
      column: 1,
    });
  });

  it('reads an empty file as null, for validation to report', () => {
    expect(parseModuleFile('f', '')).toEqual({ file: 'f', raw: null });
  });
});
