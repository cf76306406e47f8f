/**
 * Which code a bench run measured: the commit checked out and the files
 * that differed from it (changed, or new and not ignored; results files
 * aside, which a run rewrites), so that a results file says what it is the
 * result of.
 */
import { execFileSync } from 'node:child_process';

export interface BenchSource {
  /** The commit checked out, or null outside a git checkout. */
  commit: string | null;
  /** Files changed from that commit or not in it (and not ignored), bench/results excepted. */
  changedFiles: string[];
}

const RESULTS_DIR = 'bench/results/';

export function benchSource(dir: string): BenchSource {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  let commit: string;
  try {
    commit = git('rev-parse', 'HEAD').trim();
  } catch {
    return { commit: null, changedFiles: [] };
  }
  const changedFiles = [...git('diff', '--name-only', 'HEAD').split('\n'), ...git('ls-files', '--others', '--exclude-standard').split('\n')]
    .filter((file) => file !== '' && !file.startsWith(RESULTS_DIR))
    .sort();
  return { commit, changedFiles };
}
