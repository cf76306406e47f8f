/**
 * The long fuzz campaign (`npm run fuzz -- [--calls N] [--seed S] [--database sqlite|postgres]`):
 * random and damaged messages to every RPC of a real controller process (test/fuzz/campaign.ts).
 * Prints the statuses it got and every failure with its replayable request; exits 1 on any failure.
 */
import { writeFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { FUZZ_CONTROLLER_ARGS } from '../test/fuzz/controller-args.js';
import { HEAP_SLACK_MIB, runCampaign } from '../test/fuzz/campaign.js';

function whole(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a whole number, got '${value}'`);
    return n;
  };
}

const program = new Command('fuzz')
  .description('fuzz every RPC of a real controller with random and damaged messages')
  .addOption(new Option('--calls <n>', 'calls after the warm-up').default(20_000).argParser(whole('calls')))
  .addOption(new Option('--seed <n>', 'seed of the random calls (printed; the same seed replays the same calls)').argParser(whole('seed')))
  .addOption(new Option('--database <flavour>', 'the controller database').choices(['sqlite', 'postgres']).default('sqlite'))
  .addOption(new Option('--concurrency <n>', 'calls in flight').default(8).argParser(whole('concurrency')))
  .addOption(new Option('--out <file>', 'write the result as JSON'))
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));
program.parse();
const opts = program.opts<{ calls: number; seed?: number; database: 'sqlite' | 'postgres'; concurrency: number; out?: string }>();
const seed = opts.seed ?? Math.floor(Math.random() * 2 ** 31);
process.stdout.write(`fuzz: seed ${seed}, ${opts.calls} calls on ${opts.database}\n`);

const result = await runCampaign({
  seed,
  calls: opts.calls,
  database: opts.database,
  concurrency: opts.concurrency,
  controllerArgs: FUZZ_CONTROLLER_ARGS,
  report: (line) => process.stdout.write(`fuzz: ${line}\n`),
});
if (opts.out) writeFileSync(opts.out, `${JSON.stringify(result, null, 2)}\n`);
const heapKept = result.heapMiB.after - result.heapMiB.warm;
process.stdout.write(
  `fuzz: ${result.sent} calls in ${(result.durationMs / 1000).toFixed(1)} s; failures ${result.failures.length}; ` +
    `controller ${result.alive ? 'alive' : 'DEAD'}, ${result.serving ? 'SERVING' : 'NOT SERVING'}; error log lines ${result.errorLogs.length}; ` +
    `heap after GC ${result.heapMiB.warm} -> ${result.heapMiB.after} MiB; RSS ${result.rssMiB.warm} -> ${result.rssMiB.after} MiB (peak ${result.rssMiB.peak})\n`,
);
for (const failure of result.failures.slice(0, 20)) process.stdout.write(`  ${failure.method} as ${failure.caller}: ${failure.code} ${failure.details} (request ${failure.request.join(',').slice(0, 200)})\n`);
for (const line of result.errorLogs.slice(0, 20)) process.stdout.write(`  log: ${line.slice(0, 400)}\n`);
const ok = result.failures.length === 0 && result.alive && result.serving && result.errorLogs.length === 0 && heapKept <= HEAP_SLACK_MIB;
process.exit(ok ? 0 : 1);
