/**
 * NUL characters in module text: YAML writes one as "\0" in a double-quoted
 * string, and PostgreSQL refuses it in text. Validation (the server's and the
 * CLI's offline `module validate`) refuses it in every text field, naming the
 * field.
 */
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { validateModule } from './validate.js';

const offline = async () => undefined;

async function violationsOf(yaml: string) {
  return (await validateModule(parse(yaml), offline)).violations;
}

const NUL = 'must not contain NUL (U+0000) characters';

describe('NUL in module text', () => {
  it('is refused in every text field of a component, each at its path', async () => {
    const found = await violationsOf(`
path: "a/web"
kind: component
description: "about\\0"
images:
  local: "img\\0"
resources:
  clouds:
    aws:
      instanceType: "t3\\0"
recipes:
  deployment: "echo \\0"
parameters:
  - name: greeting
    category: input
    type: string
    default: "hi\\0"
    description: "shown\\0"
  - name: size
    category: input
    type: enum
    values: ["small", "l\\0"]
`);
    expect(found.filter((v) => v.description.includes('NUL'))).toEqual([
      { field: 'description', description: NUL },
      { field: 'images.local', description: NUL },
      { field: 'resources.clouds.aws.instanceType', description: NUL },
      { field: 'recipes.deployment', description: NUL },
      { field: 'parameters[0].default', description: NUL },
      { field: 'parameters[0].description', description: NUL },
      { field: 'parameters[1].values[1]', description: NUL },
    ]);
  });

  it('is refused in a mapped literal and a node reference of an application', async () => {
    const found = await violationsOf(`
path: a/app
kind: application
description: "the app\\0"
nodes:
  - name: web
    component: "a/web\\0"
    mappings:
      greeting: "'hi\\0'"
`);
    expect(found).toEqual(
      expect.arrayContaining([
        { field: 'description', description: NUL },
        { field: 'nodes[0].component', description: NUL },
        { field: 'nodes[0].mappings.greeting', description: `literal ${NUL}` },
      ]),
    );
  });

  it('leaves text without NUL alone', async () => {
    expect(await violationsOf('path: a/web\nkind: component\ndescription: "about \\\\0, not a NUL"\n')).toEqual([]);
  });
});
