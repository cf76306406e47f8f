import type { Module, ModuleVersion } from '../../../proto/gen/es/slipstream/v1/modules_pb.js';
import { ProblemBanner } from '../components/problem.js';
import { DiffView } from './diff-view.js';
import { moduleYaml } from './module-yaml.js';
import { unifiedDiff } from './unified-diff.js';
import type { Loaded } from './use-module-versions.js';

export interface ComparePair {
  from: number;
  to: number;
}

interface Props {
  versions: ModuleVersion[];
  pair: ComparePair;
  onChange: (pair: ComparePair) => void;
  contents: ReadonlyMap<number, Loaded<Module>>;
}

/** Two chosen versions of a module and the changes between their YAML files. */
export function VersionCompare({ versions, pair, onChange, contents }: Props) {
  const from = contents.get(pair.from);
  const to = contents.get(pair.to);
  return (
    <section class="compare" aria-labelledby="compare-title">
      <h2 id="compare-title">Compare versions</h2>
      <div class="toolbar">
        <label for="compare-from">From version</label>
        <select id="compare-from" value={String(pair.from)} onChange={(e) => onChange({ ...pair, from: Number(e.currentTarget.value) })}>
          {versions.map((v) => (
            <option key={v.version} value={String(v.version)}>
              v{v.version}
            </option>
          ))}
        </select>
        <label for="compare-to">to version</label>
        <select id="compare-to" value={String(pair.to)} onChange={(e) => onChange({ ...pair, to: Number(e.currentTarget.value) })}>
          {versions.map((v) => (
            <option key={v.version} value={String(v.version)}>
              v{v.version}
            </option>
          ))}
        </select>
      </div>
      <div class="compare-result" aria-live="polite">
        {from?.state === 'failed' && <ProblemBanner problem={from.problem} />}
        {to?.state === 'failed' && <ProblemBanner problem={to.problem} />}
        {(from === undefined || from.state === 'loading' || to === undefined || to.state === 'loading') && <p class="loading">Loading both versions…</p>}
        {from?.state === 'loaded' && to?.state === 'loaded' && <Changes pair={pair} from={from.value} to={to.value} />}
      </div>
    </section>
  );
}

function Changes({ pair, from, to }: { pair: ComparePair; from: Module; to: Module }) {
  if (pair.from === pair.to) return <p class="muted">Choose two different versions to see what changed.</p>;
  const hunks = unifiedDiff(from.spec ? moduleYaml(from.spec) : '', to.spec ? moduleYaml(to.spec) : '');
  if (hunks.length === 0) return <p class="muted">v{pair.from} and v{pair.to} have the same content.</p>;
  const added = hunks.reduce((n, h) => n + h.lines.filter((l) => l.change === 'added').length, 0);
  const removed = hunks.reduce((n, h) => n + h.lines.filter((l) => l.change === 'removed').length, 0);
  return (
    <>
      <p class="diff-summary">
        v{pair.from} → v{pair.to}: <span class="added-count">{added} added</span>, <span class="removed-count">{removed} removed</span>
      </p>
      <DiffView hunks={hunks} caption={`Changes from v${pair.from} to v${pair.to}`} />
    </>
  );
}
