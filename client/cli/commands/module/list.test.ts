import { describe, expect, it } from 'vitest';
import { fakeDeps } from '../../testing/fake-deps.js';
import { aListing } from '../../testing/modules.js';
import { unauthenticated } from '../../testing/service-errors.js';
import { run } from './list.js';

const LISTINGS = [
  aListing('web/nginx', 'component', { version: 3, author: 'bob' }, 'the web server'),
  aListing('web/site', 'application', { version: 1 }, 'nginx\tbehind\na proxy'),
];

describe('module list', () => {
  it('lists path, kind, latest version and description, one line each', async () => {
    const deps = fakeDeps({ modules: { list: async () => LISTINGS } });
    expect(await run(deps, { output: 'table' })).toBe(0);
    expect(deps.argsOf('modules.list')).toEqual([[{ prefix: undefined, kind: undefined }]]);
    expect(deps.out()).toBe(
      'PATH\tKIND\tVERSION\tUPDATED\tAUTHOR\tDESCRIPTION\n' +
        'web/nginx\tcomponent\t3\t2025-01-31T12:00:00Z\tbob\tthe web server\n' +
        'web/site\tapplication\t1\t2025-01-31T12:00:00Z\talice\tnginx behind a proxy\n',
    );
  });

  it('passes the folder and kind, and prints JSON without the wire message', async () => {
    const deps = fakeDeps({ modules: { list: async () => LISTINGS.slice(0, 1) } });
    expect(await run(deps, { output: 'json', prefix: 'web', kind: 'component' })).toBe(0);
    expect(deps.argsOf('modules.list')).toEqual([[{ prefix: 'web', kind: 'component' }]]);
    expect(JSON.parse(deps.out())).toEqual([
      {
        path: 'web/nginx',
        kind: 'component',
        description: 'the web server',
        latest: { version: 3, author: 'bob', createdAt: '2025-01-31T12:00:00.000Z', message: '', contentHash: '0123456789abcdef0123' },
      },
    ]);
  });

  it('prints only the header when there are no modules', async () => {
    const deps = fakeDeps({ modules: { list: async () => [] } });
    expect(await run(deps, { output: 'table' })).toBe(0);
    expect(deps.out()).toBe('PATH\tKIND\tVERSION\tUPDATED\tAUTHOR\tDESCRIPTION\n');
  });

  it('exits 4 with a hint when the token is refused', async () => {
    const deps = fakeDeps({ modules: { list: async () => Promise.reject(unauthenticated('token expired')) } });
    expect(await run(deps, { output: 'table' })).toBe(4);
    expect(deps.err()).toBe('error: not authenticated: token expired (check the token: slipstream context show)\n');
    expect(deps.out()).toBe('');
  });
});
