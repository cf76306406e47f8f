import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDeps } from '../../test-io.js';
import { run } from './validate.js';

const GOOD_COMPONENT = `path: web/nginx
kind: component
images:
  local: debian-12
parameters:
  - name: port
    category: input
    type: int
    default: 8080
  - name: url
    category: output
    type: string
`;

// Wrong in three ways, one of them only visible with the other file loaded:
// web/nginx has no output `missing`.
const BAD_APPLICATION = `path: web/site
kind: application
nodes:
  - name: Web_1
    component: web/nginx
    multiplicity: -1
  - name: proxy
    component: web/nginx
    mappings:
      port: web:missing
`;

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipstream-validate-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('module validate', () => {
  it('accepts a directory of valid files', async () => {
    await writeFile(join(dir, 'nginx.yaml'), GOOD_COMPONENT);
    const deps = createTestDeps();
    expect(await run(deps, { output: 'table', target: dir })).toBe(0);
    expect(deps.err()).toContain('1 of 1 module file(s) valid');
  });

  it('reports every violation of the bad file with field paths and exits 1', async () => {
    await mkdir(join(dir, 'apps'));
    await writeFile(join(dir, 'nginx.yaml'), GOOD_COMPONENT);
    await writeFile(join(dir, 'apps', 'site.yml'), BAD_APPLICATION);
    const deps = createTestDeps();
    expect(await run(deps, { output: 'table', target: dir })).toBe(1);
    const lines = deps.err().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^${join(dir, 'apps', 'site.yml')}: \\d+ violations$`));
    expect(lines).toEqual(expect.arrayContaining([expect.stringMatching(/^ {2}nodes\[0\]\.name: /)]));
    expect(lines).toEqual(expect.arrayContaining([expect.stringMatching(/^ {2}nodes\[0\]\.multiplicity: /)]));
    expect(lines).toEqual(expect.arrayContaining([expect.stringMatching(/^ {2}nodes\[1\]\.mappings\.port: /)]));
    expect(deps.err()).not.toContain('nginx.yaml');
    expect(deps.err()).toContain('1 of 2 module file(s) valid');
    expect(deps.out()).toBe('');
  });

  it('reports YAML syntax errors with line and column, and duplicate paths', async () => {
    await writeFile(join(dir, 'a.yaml'), GOOD_COMPONENT);
    await writeFile(join(dir, 'b.yaml'), GOOD_COMPONENT);
    await writeFile(join(dir, 'c.yaml'), 'path: x\nkind: [component\n');
    const deps = createTestDeps();
    expect(await run(deps, { output: 'table', target: dir })).toBe(1);
    expect(deps.err()).toMatch(new RegExp(`${join(dir, 'c.yaml')}:3:1: YAML syntax error: `));
    expect(deps.err()).toContain(`  path: also defined in ${join(dir, 'b.yaml')}`);
  });

  it('prints a result per file as JSON for scripts', async () => {
    await writeFile(join(dir, 'nginx.yaml'), GOOD_COMPONENT);
    await writeFile(join(dir, 'site.yaml'), BAD_APPLICATION);
    const deps = createTestDeps();
    expect(await run(deps, { output: 'json', target: dir })).toBe(1);
    const results = JSON.parse(deps.out()) as { file: string; valid: boolean; violations: unknown[] }[];
    expect(results.map((r) => [r.file, r.valid])).toEqual([
      [join(dir, 'nginx.yaml'), true],
      [join(dir, 'site.yaml'), false],
    ]);
  });

  it('fails on a directory without module files', async () => {
    const deps = createTestDeps();
    expect(await run(deps, { output: 'table', target: dir })).toBe(1);
    expect(deps.err()).toContain('no module files');
  });
});
