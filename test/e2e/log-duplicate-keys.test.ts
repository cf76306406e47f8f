/**
 * No line of the controller's log names a key twice (issue 20: `component`
 * did, once from a component's logger and once from its child's bindings).
 * JSON.parse keeps the last of two equal keys without a word, so the raw
 * text is scanned, every object of a line, nested ones too. The lines come
 * from a real controller at debug level taken through its common paths:
 * start, the API, a refused and an unauthenticated request, a local run to
 * Ready and its termination (driver, agents, sessions), a run on a cloud that
 * does not exist, and the shutdown.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSlipstreamClient } from '../../client/index.js';
import { newTokenSecret } from '../../controller/auth/token-secret.js';
import { defaultLocalVmDir } from '../../controller/connectors/local/placement.js';
import { RunState } from '../../proto/gen/slipstream/v1/runs.js';
import { spawnController, startedPort, type ControllerProcess } from '../helpers/controller-process.js';
import { bearer, rawRequest } from '../helpers/raw-grpc.js';
import { TestRuns } from '../helpers/runs.js';

/** An object or array open at some point of a line, and where it is (`$.err`, `$.list[]`). */
type Open = { keys: Set<string>; path: string; lastKey?: string } | { keys: undefined; path: string };

/**
 * Every key that appears twice in one object of `json`, as `path.key` (`$` is
 * the line itself). A small tokenizer: a string is a key when it opens an
 * object or follows a comma in one; strings are skipped whole, so braces and
 * quotes inside them count for nothing.
 */
function duplicateKeys(json: string): string[] {
  const found: string[] = [];
  const open: Open[] = [];
  let previous = '';
  for (let i = 0; i < json.length; i++) {
    const c = json[i]!;
    if (c === '"') {
      let end = i + 1;
      while (json[end] !== '"') end += json[end] === '\\' ? 2 : 1;
      const inside = open.at(-1);
      if (inside?.keys && (previous === '{' || previous === ',')) {
        const key = JSON.parse(json.slice(i, end + 1)) as string;
        if (inside.keys.has(key)) found.push(`${inside.path}.${key}`);
        inside.keys.add(key);
        inside.lastKey = key;
      }
      previous = '"';
      i = end;
    } else if (c === '{' || c === '[') {
      const parent = open.at(-1);
      const path = !parent ? '$' : parent.keys ? `${parent.path}.${parent.lastKey}` : `${parent.path}[]`;
      open.push(c === '{' ? { keys: new Set(), path } : { keys: undefined, path });
      previous = c;
    } else if (c === '}' || c === ']') {
      open.pop();
      previous = c;
    } else if (!/\s/.test(c)) previous = c;
  }
  return found;
}

describe('duplicateKeys', () => {
  it('finds a key twice at the top level or in a nested object, and nothing else', () => {
    expect(duplicateKeys('{"a":1,"b":{"a":2,"c":"a"},"list":[{"a":1},{"a":2}],"s":"{\\"a\\":1,\\"a\\":2}"}')).toEqual([]);
    expect(duplicateKeys('{"component":"api","msg":"x","component":"agents"}')).toEqual(['$.component']);
    expect(duplicateKeys('{"err":{"code":"E","code":"F"},"list":[{"k":1,"k":2}]}')).toEqual(['$.err.code', '$.list[].k']);
    expect(duplicateKeys('{"a":"x\\\\","a":1}')).toEqual(['$.a']);
  });
});

describe('the controller log', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'slipstream-log-keys-'));
  const token = newTokenSecret();
  let proc: ControllerProcess | undefined;

  afterAll(async () => {
    if (proc && proc.child.exitCode === null && proc.child.signalCode === null) {
      proc.child.kill('SIGKILL');
      await proc.exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(defaultLocalVmDir(dataDir), { recursive: true, force: true });
  });

  it('has no line with a key twice, through a start, a run and a stop', async () => {
    proc = spawnController(['--listen', '127.0.0.1:0', '--http-listen', '127.0.0.1:0', '--data-dir', dataDir, '--insecure', '--log-level', 'debug'], {
      SLIPSTREAM_BOOTSTRAP_TOKEN: token,
    });
    const address = `127.0.0.1:${await startedPort(proc, 60_000)}`;
    const client = createSlipstreamClient({ address, token });
    const runs = new TestRuns(client);
    try {
      await client.users.whoAmI({});
      const getModule = { path: '/slipstream.v1.ModuleService/GetModule', requestStream: false, responseStream: false };
      await rawRequest(address, getModule, Buffer.from([0xff, 0xff, 0xff]), bearer(token));
      await rawRequest(address, getModule, Buffer.alloc(0), bearer('sst_not-a-token'));
      await client.modules.save({ kind: 'component', path: 'keys/box', images: { local: 'local' }, resources: {}, recipes: { deployment: 'ss-set result ok' }, parameters: [{ name: 'result', category: 'output', type: 'string' }] });
      await client.modules.save({ kind: 'application', path: 'keys/app', nodes: [{ name: 'box', component: 'keys/box', multiplicity: 2, maxProvisioningFailures: 0, mappings: {} }] });
      const run = await runs.launch('keys/app', { timeoutMinutes: 5 });
      await runs.waitForState(run.id, RunState.RUN_STATE_READY, 90_000);
      await runs.terminate(run.id);
      await runs.waitForState(run.id, RunState.RUN_STATE_DONE, 90_000);
      await runs.launch('keys/app', { defaultCloud: 'nowhere' }).catch(() => undefined);
    } finally {
      await runs.terminateAll().catch(() => undefined);
      client.close();
    }
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);

    const lines = proc.stdout().split('\n').filter((line) => line.startsWith('{'));
    const messages = new Set(lines.map((line) => (JSON.parse(line) as { msg: string }).msg));
    // The paths the test meant to take were taken.
    for (const msg of ['request refused', 'run launched', 'agent enrolled', 'agent session started', 'local vm terminated', 'stopped']) expect(messages).toContain(msg);
    const duplicated = lines.flatMap((line) => duplicateKeys(line).map((key) => `${key} in ${line}`));
    expect(duplicated).toEqual([]);
  }, 240_000);
});
