/**
 * The two ports of the run loop, so that the engine and what carries out its
 * cloud effects know each other only through them: the engine is given a
 * RunEffects at construction and the provisioner a RunInputs (the engine).
 * Neither module imports the other; controller.ts wires them.
 */
import type { RunInput } from '../domain/runs/types.js';

/** Where the outcomes of effects come back in: as state machine inputs of a run. */
export interface RunInputs {
  /** Resolves once the input is committed. */
  dispatch(runId: string, input: RunInput): Promise<unknown>;
}

/** What carries out the state machine's cloud effects; outcomes are reported through the RunInputs it was given. */
export interface RunEffects {
  /** Creates an instance's VM, then reports `vm-running` or `provisioning-failed`. */
  provision(runId: string, instance: string): Promise<void>;
  /** Destroys the instances' VMs, then reports `vms-destroyed` for those that are gone. */
  destroy(runId: string, instances: readonly string[]): Promise<void>;
}
