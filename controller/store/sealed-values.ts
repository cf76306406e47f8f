/**
 * Password values as the database keeps them: sealed under the credential key
 * (CredentialCipher.seal), each bound to where it belongs, so a value copied
 * to another row or run does not open. The repositories seal on write and
 * open on read; everything above them sees plaintext. A stored value that is
 * not sealed was written before sealing existed and is read as it is.
 */
import { isSealed, type CredentialCipher } from '../auth/credential-cipher.js';
import type { ModuleDocument, ParameterDefinition, ResolvedPlan } from '../../common/modules/types.js';

/** A sealed value that does not open: another credential key, or altered data. */
export class SealedValueError extends Error {}

/** The context a run parameter's value is sealed for. */
export function parameterContext(runId: string, key: string): string {
  return `run/${runId}/parameter/${key}`;
}

function planContext(runId: string, node: string, parameter: string): string {
  return `run/${runId}/plan/${node}/${parameter}`;
}

function moduleContext(versionId: string, parameter: string): string {
  return `module-version/${versionId}/parameter/${parameter}`;
}

/** The plaintext of a stored value: opened when sealed, as it is when stored before sealing. */
export function openStored(cipher: CredentialCipher, stored: string, context: string): string {
  if (!isSealed(stored)) return stored;
  try {
    return cipher.open(stored, context);
  } catch (err) {
    throw new SealedValueError(`the sealed value of ${context} does not open with credential key ${cipher.keyId}: another key sealed it, or it was altered`, {
      cause: err,
    });
  }
}

/** The definitions with each password default replaced by `change(definition)`; the others as they are. */
function withPasswordDefaults(parameters: readonly ParameterDefinition[], change: (p: ParameterDefinition & { default: string }) => string): ParameterDefinition[] {
  // The default keeps its place among the keys, so the stored JSON differs from the plaintext only in these values.
  return parameters.map((p) => (p.type === 'password' && p.default !== undefined ? { ...p, default: change(p as ParameterDefinition & { default: string }) } : p));
}

/** The plan with its password defaults (module defaults and launch values) sealed for this run. */
export function sealPlan(cipher: CredentialCipher, runId: string, plan: ResolvedPlan): ResolvedPlan {
  return {
    ...plan,
    nodes: plan.nodes.map((node) => ({
      ...node,
      parameters: withPasswordDefaults(node.parameters, (p) => cipher.seal(p.default, planContext(runId, node.name, p.name))),
    })),
  };
}

/** sealPlan undone. */
export function openPlan(cipher: CredentialCipher, runId: string, plan: ResolvedPlan): ResolvedPlan {
  return {
    ...plan,
    nodes: plan.nodes.map((node) => ({
      ...node,
      parameters: withPasswordDefaults(node.parameters, (p) => openStored(cipher, p.default, planContext(runId, node.name, p.name))),
    })),
  };
}

/** A module version's document with its password defaults sealed for that version row. */
export function sealDocument(cipher: CredentialCipher, versionId: string, document: ModuleDocument): ModuleDocument {
  if (document.kind !== 'component') return document;
  return { ...document, parameters: withPasswordDefaults(document.parameters, (p) => cipher.seal(p.default, moduleContext(versionId, p.name))) };
}

/** sealDocument undone. */
export function openDocument(cipher: CredentialCipher, versionId: string, document: ModuleDocument): ModuleDocument {
  if (document.kind !== 'component') return document;
  return { ...document, parameters: withPasswordDefaults(document.parameters, (p) => openStored(cipher, p.default, moduleContext(versionId, p.name))) };
}
