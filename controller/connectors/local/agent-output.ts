/**
 * What a local VM's agent said last, from the `agent.out.log` of its record
 * folder: shown with a stopped VM, so that a run lost to an agent that exited
 * (a config error, a refused token) says why. Bounded and narrow: only the
 * log's last 4 KiB since this agent was spawned are read, only the agent's own
 * `slipstream-agent: ...` lines count (its exit messages: never its JSON log
 * lines, never recipe output), and at most 300 bytes of one is returned.
 */
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** The agent's stdout and stderr, appended, in the VM's record folder. */
export const AGENT_OUTPUT_LOG = 'agent.out.log';
/** How the agent's command line starts every line of its own (agent/main.ts). */
const AGENT_PREFIX = 'slipstream-agent: ';
const TAIL_BYTES = 4096;
/** The most of the agent's message a user is shown. */
export const MAX_AGENT_MESSAGE_BYTES = 300;

/** The size of `<dir>/agent.out.log` (0 when there is none): where what a newly spawned agent says begins. */
export async function agentOutputSize(dir: string): Promise<number> {
  try {
    return (await stat(join(dir, AGENT_OUTPUT_LOG))).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
}

/**
 * The last `slipstream-agent:` line written to `<dir>/agent.out.log` at or
 * after byte `from`, cut to {@link MAX_AGENT_MESSAGE_BYTES}; undefined when
 * there is none (or the log cannot be read).
 */
export async function lastAgentMessage(dir: string, from = 0): Promise<string | undefined> {
  let file;
  try {
    file = await open(join(dir, AGENT_OUTPUT_LOG), 'r');
  } catch {
    return undefined;
  }
  try {
    const { size } = await file.stat();
    const start = Math.max(from, size - TAIL_BYTES, 0);
    if (start >= size) return undefined;
    const buffer = Buffer.alloc(size - start);
    const { bytesRead } = await file.read(buffer, 0, buffer.length, start);
    const lines = buffer.subarray(0, bytesRead).toString('utf8').split('\n');
    const line = lines.findLast((l) => l.startsWith(AGENT_PREFIX) && l.length > AGENT_PREFIX.length);
    return line === undefined ? undefined : cut(line.trimEnd(), MAX_AGENT_MESSAGE_BYTES);
  } catch {
    return undefined;
  } finally {
    await file.close();
  }
}

/** `text` within `max` UTF-8 bytes, ending in `...` when cut (never inside a character). */
function cut(text: string, max: number): string {
  if (Buffer.byteLength(text) <= max) return text;
  let kept = Buffer.from(text).subarray(0, max - 3).toString('utf8');
  // A character split by the cut decodes as U+FFFD: drop it.
  if (kept.endsWith('\uFFFD')) kept = kept.slice(0, -1);
  return `${kept}...`;
}
