/**
 * One module: its versions (author, time, message), the YAML of a chosen version as the CLI prints it, and the
 * changes between two versions. `path@N` in the address shows version N. A deployer can launch it from here.
 */
import { useState } from 'preact/hooks';
import type { Module, ModuleVersion } from '../../../proto/gen/es/slipstream/v1/modules_pb.js';
import { canDeploy, useCaller } from '../api/caller.js';
import { formatTime } from '../components/format.js';
import { ProblemBanner } from '../components/problem.js';
import { href } from '../router.js';
import { Breadcrumb } from '../catalog/breadcrumb.js';
import { folderOf } from '../catalog/folders.js';
import { isLaunchable, kindName } from '../catalog/module-kind.js';
import { formatModuleRef, parseModuleRef } from '../catalog/module-ref.js';
import { moduleYaml } from '../catalog/module-yaml.js';
import { useModuleContents, useVersionList, type Loaded } from '../catalog/use-module-versions.js';
import { VersionCompare, type ComparePair } from '../catalog/version-compare.js';
import '../catalog/catalog.css';

export function ModulePage({ path: routePath }: { path: string }) {
  const { path, version: pinned } = parseModuleRef(routePath);
  const versions = useVersionList(path);
  return (
    <section class="module-page" aria-labelledby="module-title" aria-busy={versions.state === 'loading'}>
      <Breadcrumb folder={folderOf(path)} current={false} />
      {versions.state === 'loading' && (
        <>
          <h1 id="module-title">{path}</h1>
          <p class="loading">Loading its versions…</p>
        </>
      )}
      {versions.state === 'failed' && (
        <>
          <h1 id="module-title">{path}</h1>
          <ProblemBanner problem={versions.problem} />
        </>
      )}
      {versions.state === 'loaded' && <Versions key={path} path={path} versions={versions.value} pinned={pinned} />}
    </section>
  );
}

/** The version just older than `version` in a newest-first list, or `version` itself when it is the oldest. */
function olderThan(versions: ModuleVersion[], version: number): number {
  const i = versions.findIndex((v) => v.version === version);
  return versions[i + 1]?.version ?? version;
}

function Versions({ path, versions, pinned }: { path: string; versions: ModuleVersion[]; pinned: number | undefined }) {
  const latest = versions[0]?.version ?? 0;
  const shown = pinned ?? latest;
  const [chosenPair, setPair] = useState<ComparePair | undefined>(undefined);
  const pair = chosenPair ?? { from: olderThan(versions, shown), to: shown };
  const comparing = versions.length > 1;
  const contents = useModuleContents(path, comparing ? [shown, pair.from, pair.to] : [shown]);
  const current = contents.get(shown);
  const module = current?.state === 'loaded' ? current.value : undefined;
  return (
    <>
      <ModuleHeader path={path} shown={shown} latest={latest} module={module} />
      <section aria-labelledby="versions-title">
        <h2 id="versions-title">Versions</h2>
        <table class="versions">
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Author</th>
              <th scope="col">Saved</th>
              <th scope="col">Message</th>
            </tr>
          </thead>
          <tbody>
            {versions.map((v) => (
              <tr key={v.version} aria-current={v.version === shown ? 'true' : undefined}>
                <td>
                  <a href={href({ page: 'module', path: formatModuleRef(path, v.version) })} aria-current={v.version === shown ? 'page' : undefined}>
                    v{v.version}
                  </a>
                  {v.version === latest && <span class="muted"> (latest)</span>}
                </td>
                <td>{v.author}</td>
                <td>{formatTime(v.createdAt)}</td>
                <td class="message">{v.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <VersionYaml path={path} version={shown} loaded={current} />
      {comparing ? (
        <VersionCompare versions={versions} pair={pair} onChange={setPair} contents={contents} />
      ) : (
        <p class="muted">Only one version so far: nothing to compare.</p>
      )}
    </>
  );
}

function ModuleHeader({ path, shown, latest, module }: { path: string; shown: number; latest: number; module: Module | undefined }) {
  const caller = useCaller();
  const kind = module ? kindName(module.kind) : undefined;
  const launchRef = shown === latest ? path : formatModuleRef(path, shown);
  return (
    <header class="module-header">
      <div class="title-row">
        <h1 id="module-title">{path}</h1>
        {kind && (
          <span class="kind" data-kind={kind}>
            {kind}
          </span>
        )}
        {module?.deleted && <span class="deleted">deleted</span>}
        {module && canDeploy(caller) && isLaunchable(module.kind) && !module.deleted && (
          <a class="button primary" href={href({ page: 'launch', ref: launchRef })}>
            Launch{shown === latest ? '' : ` v${shown}`}
          </a>
        )}
      </div>
      {/* Reserved while loading, so the table below does not move when the description arrives. */}
      <p class="description">{module?.spec?.description ?? ' '}</p>
    </header>
  );
}

function VersionYaml({ path, version, loaded }: { path: string; version: number; loaded: Loaded<Module> | undefined }) {
  return (
    <section aria-labelledby="yaml-title">
      <h2 id="yaml-title">
        {formatModuleRef(path, version)} <span class="muted">YAML</span>
      </h2>
      {loaded?.state === 'failed' && <ProblemBanner problem={loaded.problem} />}
      {(loaded === undefined || loaded.state === 'loading') && <p class="loading">Loading v{version}…</p>}
      {loaded?.state === 'loaded' && loaded.value.spec && (
        <pre class="yaml" tabIndex={0} aria-label={`YAML of ${formatModuleRef(path, version)}`} data-testid="module-yaml">
          {moduleYaml(loaded.value.spec)}
        </pre>
      )}
    </section>
  );
}
