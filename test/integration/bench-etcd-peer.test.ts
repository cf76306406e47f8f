import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { info, renderTable, withPeer } from '../../bench/lib/figures.js';
import { measureEtcdBarrier } from '../../bench/peers/etcd-barrier.js';
import { measureEtcdPropagation } from '../../bench/peers/etcd-propagation.js';
import { onPath, startEtcd } from '../../bench/peers/etcd-server.js';

const etcdInstalled = onPath('etcd') !== undefined;
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100 && alive(pid); i++) await delay(50);
  return !alive(pid);
}

describe('bench etcd peer', () => {
  it('starts no etcd when none is on PATH', async () => {
    const emptyDir = mkdtempSync(join(tmpdir(), 'no-etcd-'));
    const path = process.env.PATH;
    process.env.PATH = emptyDir;
    try {
      expect(await startEtcd()).toBeUndefined();
    } finally {
      process.env.PATH = path;
      rmSync(emptyDir, { recursive: true });
    }
  });

  it('shows a peer beside a figure in the table and leaves a figure without one unchanged', () => {
    const figure = info('propagation', 'p50', 0.8, 'ms');
    expect(withPeer(figure, undefined)).toBe(figure);
    const paired = withPeer(figure, { name: 'etcd', value: 2.5, unit: 'ms' });
    expect(paired.peer).toEqual({ name: 'etcd', value: 2.5, unit: 'ms' });
    expect(renderTable([paired])).toMatch(/peer \(same run\)[\s\S]*etcd: 2\.50 ms/);
  });

  it.skipIf(!etcdInstalled)('measures put -> watch and the barrier through etcd, then stops it and removes its data', async () => {
    const etcd = await startEtcd();
    if (!etcd) throw new Error('etcd is on PATH but did not start');
    try {
      expect(existsSync(etcd.dataDir)).toBe(true);
      expect(etcd.dataDir.startsWith('/dev/shm')).toBe(false);
      const propagation = await measureEtcdPropagation({ endpoint: etcd.endpoint, samples: 20 });
      expect(propagation.samples).toBe(20);
      for (const ms of [propagation.p50Ms, propagation.p99Ms]) {
        expect(Number.isFinite(ms)).toBe(true);
        expect(ms).toBeGreaterThan(0);
      }
      expect(propagation.p50Ms).toBeLessThanOrEqual(propagation.p99Ms);
      for (const spreadMs of [0, 100]) {
        const barrier = await measureEtcdBarrier({ endpoint: etcd.endpoint, parties: 20, processes: 2, spreadMs });
        expect(barrier.parties).toBe(20);
        expect(barrier.spreadMs).toBe(spreadMs);
        expect(Number.isFinite(barrier.ms)).toBe(true);
        expect(barrier.ms).toBeGreaterThan(0);
        expect(barrier.lastPutAckedMs).toBeGreaterThan(0);
        expect(barrier.lastCountedMs).toBeGreaterThan(barrier.lastPutAckedMs);
        expect(barrier.readyTxns).toBeGreaterThanOrEqual(1);
        // All at once, every party may count 20 and make ready itself: then no watch saw it.
        if (barrier.readyTxns < 20) expect(barrier.firstSawReadyMs).toBeLessThanOrEqual(barrier.ms);
        else expect(barrier.firstSawReadyMs).toBeNaN();
        // Every party that did not make ready saw it through its watch.
        expect(barrier.watchEvents).toBeGreaterThanOrEqual(20 - barrier.readyTxns);
      }
    } finally {
      await etcd.stop();
    }
    expect(alive(etcd.pid)).toBe(false);
    expect(existsSync(etcd.dataDir)).toBe(false);
  }, 120_000);

  it.skipIf(!etcdInstalled)('kills etcd and removes its data when the process that started it crashes', async () => {
    const script = [
      "const { startEtcd } = await import('./bench/peers/etcd-server.ts');",
      'const etcd = await startEtcd();',
      'process.stdout.write(JSON.stringify({ pid: etcd.pid, dataDir: etcd.dataDir }) + "\\n");',
      "setTimeout(() => { throw new Error('crash'); }, 10);",
    ].join('\n');
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', script], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).not.toBe(0);
    const started = JSON.parse(out.trim()) as { pid: number; dataDir: string };
    expect(await gone(started.pid)).toBe(true);
    expect(existsSync(started.dataDir)).toBe(false);
  }, 60_000);
});
