import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../test/helpers/poll.js';
import { RunState } from '../proto/gen/slipstream/v1/runs.js';
import { cleanupAll, isRunning, startFakeController, startTestAgent, tempDir } from './testing/test-agent.js';

const { RUN_STATE_PROVISIONING: PROVISIONING, RUN_STATE_EXECUTING: EXECUTING } = RunState;

afterEach(cleanupAll);

describe('agent lifecycle', () => {
  it('a revoked credential (UNAUTHENTICATED on the session) is fatal', async () => {
    const f = await startFakeController();
    const { agent } = await startTestAgent(f);
    await waitFor('provisioned', async () => f.hasCompleted(PROVISIONING) || undefined);
    f.revokeCredential();
    const exit = await agent.done;
    expect(exit).toMatchObject({ reason: 'fatal', exitCode: 1 });
    expect(exit.error?.message).toMatch(/refused the agent credential \(UNAUTHENTICATED\)/);
  });

  it('Shutdown from the controller ends the agent cleanly', async () => {
    const f = await startFakeController();
    const { agent } = await startTestAgent(f);
    await waitFor('provisioned', async () => f.hasCompleted(PROVISIONING) || undefined);
    f.shutdown('instance removed');
    expect(await agent.done).toEqual({ reason: 'shutdown', exitCode: 0 });
  });

  it('stop() kills the running script without completing its phase and drains its log lines', async () => {
    const f = await startFakeController({
      runState: EXECUTING,
      plan: { deployment: [{ source: 'app/web@1', script: 'for i in $(seq 1 500); do echo drain-$i; done\necho $$ > pid\nexec sleep 600' }] },
    });
    const { agent, workDir } = await startTestAgent(f);
    const pid = await waitFor('script running', async () => Number(await readFile(join(workDir, 'home', 'pid'), 'utf8')) || undefined);
    await agent.stop();
    expect(await agent.done).toEqual({ reason: 'stopped', exitCode: 0 });
    expect(await isRunning(pid)).toBe(false);
    expect(f.hasCompleted(EXECUTING)).toBe(false);
    expect(f.logLines.some((l) => l.text === 'drain-500')).toBe(true);
    await expect(stat(join(workDir, 'agent.sock'))).rejects.toThrow();
  });

  it('installs SSH keys and packages when the config allows it', async () => {
    const home = await tempDir();
    const stubs = await tempDir();
    await mkdir(join(home, '.ssh'), { recursive: true });
    await writeFile(join(home, '.ssh', 'authorized_keys'), 'ssh-ed25519 AAAAold old\n');
    await writeFile(join(stubs, 'apt-get'), `#!/bin/sh\necho "apt-get $*" >> "${stubs}/calls.txt"\n`);
    // A non-root agent goes through `sudo -n`: the stub just runs the command.
    await writeFile(join(stubs, 'sudo'), '#!/bin/sh\n[ "$1" = -n ] && shift\nexec "$@"\n');
    await Promise.all(['apt-get', 'sudo'].map((s) => chmod(join(stubs, s), 0o755)));
    const f = await startFakeController({
      plan: {
        sshPublicKeys: ['ssh-ed25519 AAAAold old', 'ssh-ed25519 AAAAnew new'],
        packages: ['nginx', "it's"],
        deployment: [{ source: 'app/web@1', script: 'echo deployed' }],
      },
    });
    await startTestAgent(f, {
      config: { ...f.agentConfig(await tempDir()), installSshKeys: true, installPackages: true },
      env: { PATH: `${stubs}:/usr/bin:/bin`, HOME: home },
    });
    await waitFor('provisioned', async () => f.hasCompleted(PROVISIONING) || undefined);
    expect(await readFile(join(home, '.ssh', 'authorized_keys'), 'utf8')).toBe('ssh-ed25519 AAAAold old\nssh-ed25519 AAAAnew new\n');
    expect((await stat(join(home, '.ssh', 'authorized_keys'))).mode & 0o777).toBe(0o600);
    f.setState(EXECUTING);
    await waitFor('executed', async () => f.hasCompleted(EXECUTING) || undefined);
    expect(await readFile(join(stubs, 'calls.txt'), 'utf8')).toBe("apt-get update -q\napt-get install -y -q nginx it's\n");
    expect(f.aborts).toHaveLength(0);
  });
});
