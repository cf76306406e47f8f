/**
 * The `sim` driver's phase runner: recipes are not run by bash; only their
 * parameter commands are interpreted, so that the phases, completions and
 * parameter traffic of thousands of agents are real while no process is
 * started per script. Other lines (any bash) are skipped; Provisioning
 * publishes the VM's facts as the real agent does; no report is uploaded.
 *
 *   ss-set KEY VALUE...      sets KEY (waits for the controller's ack)
 *   ss-get KEY               waits until KEY has a value
 *   ss-abort MESSAGE...      aborts the run; the recipe fails
 *   sim-sleep MS             pauses
 *   sim-repeat N ... sim-end repeats the lines between, {i} = 1..N
 *   sim-latency KEY          waits for KEY, whose value is a {now}, and keeps now minus it
 *   sim-publish-latencies KEY sets KEY to the kept latencies (microseconds, comma separated)
 *
 * In keys and values, {i} is the innermost repeat's counter and {now} the
 * machine-wide monotonic clock in microseconds (comparable across processes).
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { AgentScript } from '../../../proto/gen/slipstream/v1/agent.js';
import { RunState } from '../../../proto/gen/slipstream/v1/runs.js';
import { scaleHookFromProto } from '../../../common/convert/scale-hooks.js';
import { isScaleHook } from '../../../common/runs/scale-hooks.js';
import { publishFacts, type PhaseEnvironment, type PhaseOutcome, type PhaseRunner, type PhaseWork } from '../../../agent/index.js';

/** What one sim agent did, for the benchmark's checks. */
export interface SimRecipeStats {
  /** Parameter sets the controller acknowledged, with the value last acknowledged per key. */
  setsAcked: number;
  lastAcked: Record<string, string>;
  /** Monotonic µs of the first set sent and of the last ack. */
  firstSetAt: number | undefined;
  lastAckAt: number | undefined;
  latencies: number[];
  /** Why a recipe failed, when one did. */
  failure: string | undefined;
}

export function newSimRecipeStats(): SimRecipeStats {
  return { setsAcked: 0, lastAcked: {}, firstSetAt: undefined, lastAckAt: undefined, latencies: [], failure: undefined };
}

/** Monotonic microseconds. */
export function nowMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

type Statement = { line: number; words: string[]; rest: string } | { line: number; repeat: number; body: Statement[] };

/** Parses one script; throws with the line number for a malformed sim command. */
export function parseSimScript(script: string): Statement[] {
  const root: Statement[] = [];
  const stack: { body: Statement[]; line: number }[] = [{ body: root, line: 0 }];
  script.split('\n').forEach((text, index) => {
    const line = index + 1;
    const trimmed = text.trim();
    const [command, ...args] = trimmed.split(/\s+/);
    const rest = trimmed.slice((command ?? '').length).trim();
    const body = stack.at(-1)!.body;
    switch (command) {
      case 'sim-repeat': {
        const count = Number(args[0]);
        if (!Number.isInteger(count) || count < 0) throw new Error(`line ${line}: sim-repeat needs a whole number, not '${args[0] ?? ''}'`);
        const repeat: Statement = { line, repeat: count, body: [] };
        body.push(repeat);
        stack.push({ body: repeat.body, line });
        return;
      }
      case 'sim-end':
        if (stack.length === 1) throw new Error(`line ${line}: sim-end without sim-repeat`);
        stack.pop();
        return;
      case 'ss-set':
      case 'ss-get':
      case 'ss-abort':
      case 'sim-sleep':
      case 'sim-latency':
      case 'sim-publish-latencies':
        if (args.length === 0) throw new Error(`line ${line}: ${command} needs an argument`);
        body.push({ line, words: [command, ...args], rest });
        return;
      default:
        return; // bash: skipped
    }
  });
  if (stack.length > 1) throw new Error(`line ${stack.at(-1)!.line}: sim-repeat without sim-end`);
  return root;
}

/** A phase runner that interprets recipes as described above and records what it did in `stats`. */
export function createSimPhaseRunner(stats: SimRecipeStats): PhaseRunner {
  return async (env, work) => {
    if (work.state === RunState.RUN_STATE_PROVISIONING && !work.scale) await publishFacts(env, work);
    const recipes = phaseRecipes(work);
    for (const [name, scripts] of recipes) {
      for (const script of scripts) {
        if (work.signal.aborted) return 'interrupted';
        const outcome = await runSimScript(env, work, stats, name, script);
        if (outcome !== 'completed') return outcome;
      }
    }
    return work.signal.aborted ? 'interrupted' : 'completed';
  };
}

function phaseRecipes(work: PhaseWork): [string, AgentScript[]][] {
  const { plan, scale, state } = work;
  if (scale) {
    const hook = scaleHookFromProto(scale);
    return isScaleHook(hook) && !work.abortMessage ? [[hook, plan[hook]]] : [];
  }
  if (state === RunState.RUN_STATE_EXECUTING && !work.abortMessage) {
    return [
      ['preinstall', plan.preinstall],
      ['postinstall', plan.postinstall],
      ['deployment', plan.deployment],
    ];
  }
  if (state === RunState.RUN_STATE_SENDING_REPORTS) return [['reporting', plan.reporting]];
  return [];
}

async function runSimScript(env: PhaseEnvironment, work: PhaseWork, stats: SimRecipeStats, recipe: string, script: AgentScript): Promise<PhaseOutcome> {
  const where = `${env.instance}: ${recipe} script ${script.source || '(unknown source)'} (sim)`;
  const fail = async (message: string): Promise<PhaseOutcome> => {
    stats.failure = message;
    await env.controller.abort(message, work.signal).catch(() => undefined);
    return 'failed';
  };
  let statements: Statement[];
  try {
    statements = parseSimScript(script.script);
  } catch (err) {
    return fail(`${where}: ${(err as Error).message}`);
  }
  const run = async (list: Statement[], i: number): Promise<PhaseOutcome> => {
    for (const statement of list) {
      if (work.signal.aborted) return 'interrupted';
      if ('repeat' in statement) {
        for (let n = 1; n <= statement.repeat; n++) {
          const outcome = await run(statement.body, n);
          if (outcome !== 'completed') return outcome;
        }
        continue;
      }
      const fill = (text: string) => text.replaceAll('{i}', String(i)).replaceAll('{now}', () => String(nowMicros()));
      const [command, first = ''] = statement.words;
      const key = fill(first);
      try {
        switch (command) {
          case 'ss-set': {
            const value = fill(statement.rest.slice(first.length).trim());
            stats.firstSetAt ??= nowMicros();
            await env.controller.setParameter(key, value, work.signal);
            stats.setsAcked += 1;
            stats.lastAcked[key] = value;
            stats.lastAckAt = nowMicros();
            break;
          }
          case 'ss-get':
            await env.controller.getParameter(key, { wait: true, timeoutMs: 0 }, work.signal);
            break;
          case 'sim-latency': {
            const value = await env.controller.getParameter(key, { wait: true, timeoutMs: 0 }, work.signal);
            stats.latencies.push(nowMicros() - Number(value));
            break;
          }
          case 'sim-publish-latencies':
            await env.controller.setParameter(key, stats.latencies.map((l) => l.toFixed(1)).join(','), work.signal);
            break;
          case 'sim-sleep':
            await delay(Number(key) || 0, undefined, { signal: work.signal });
            break;
          case 'ss-abort':
            return fail(`${where}: ${fill(statement.rest)}`);
        }
      } catch (err) {
        if (work.signal.aborted) return 'interrupted';
        return fail(`${where} line ${statement.line}: ${(err as Error).message}`);
      }
    }
    return 'completed';
  };
  return run(statements, 0);
}
