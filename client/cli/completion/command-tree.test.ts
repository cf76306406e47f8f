import { describe, expect, it } from 'vitest';
import { buildProgram } from '../program.js';
import { createTestDeps } from '../test-io.js';
import { allCommands, commandTree, findCommand, type CompletionCommand } from './command-tree.js';

function tree(): CompletionCommand {
  return commandTree(buildProgram(createTestDeps(), () => {}));
}

const flagsOf = (command: CompletionCommand | undefined) => [...(command?.options ?? []), ...(command?.inheritedOptions ?? [])].flatMap((o) => o.flags);

describe('commandTree', () => {
  it('has every top-level verb of the program, and not the hidden one', () => {
    const names = tree().subcommands.map((c) => c.name);
    for (const noun of ['whoami', 'context', 'module', 'run', 'cloud', 'credential', 'quota', 'tenant', 'controller', 'user', 'token', 'completion', 'help']) {
      expect(names).toContain(noun);
    }
    expect(names).not.toContain('__complete');
  });

  it('has the nested verbs with their own options, the globals and --help', () => {
    const launch = findCommand(tree(), ['run', 'launch']);
    expect(launch?.path).toEqual(['run', 'launch']);
    expect(flagsOf(launch)).toEqual(expect.arrayContaining(['--param', '--cloud', '--keep-running', '--ssh-key', '--wait', '-h', '--help']));
    expect(flagsOf(launch)).toEqual(expect.arrayContaining(['--output', '--addr', '--token', '--ca', '--tls-server-name', '--version']));
    expect(launch?.inheritedOptions.flatMap((o) => o.flags)).not.toContain('--help');
  });

  it('knows which options take values and which values they take', () => {
    const root = tree();
    const option = (path: string[], flag: string) =>
      [...(findCommand(root, path)?.options ?? [])].find((o) => o.flags.includes(flag))?.value;
    expect(option([], '--output')).toEqual({ kind: 'choices', choices: ['table', 'json'] });
    expect(option([], '--addr')).toEqual({ kind: 'any' });
    expect(option(['run', 'launch'], '--wait')).toEqual({ kind: 'none' });
    expect(option(['run', 'launch'], '--keep-running')).toEqual({ kind: 'choices', choices: ['never', 'always', 'on-success', 'on-error'] });
    expect(option(['run', 'list'], '--state')).toMatchObject({ kind: 'choices', choices: expect.arrayContaining(['Ready', 'Done']) });
    expect(option(['module', 'push'], '-m')).toEqual({ kind: 'any' });
  });

  it('knows the arguments: fixed choices and context names', () => {
    const root = tree();
    expect(findCommand(root, ['user', 'set-role'])?.arguments.map((a) => a.value.kind)).toEqual(['any', 'choices']);
    expect(findCommand(root, ['context', 'use'])?.arguments[0]?.value).toEqual({ kind: 'dynamic', source: 'contexts' });
    expect(findCommand(root, ['completion'])?.arguments[0]?.value).toEqual({ kind: 'choices', choices: ['bash', 'zsh', 'fish'] });
    expect(findCommand(root, ['run', 'scale'])?.arguments.at(-1)?.variadic).toBe(true);
  });

  it('lists every command once, parents first', () => {
    const paths = allCommands(tree()).map((c) => c.path.join(' '));
    expect(new Set(paths).size).toBe(paths.length);
    expect(paths.indexOf('run')).toBeLessThan(paths.indexOf('run launch'));
    expect(paths[0]).toBe('');
  });
});
