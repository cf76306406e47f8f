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
  /**
   * An image build's snapshot: images its VM, waits for the image, then
   * reports `image-built` (or `abort`). Resumable: called again for a run
   * taken over mid-snapshot, it picks up where the stored build is.
   */
  snapshot?(runId: string): Promise<void>;
  /** The run turned final (its build, if it is one, can no longer make an image). */
  finished?(runId: string, run: { kind?: string; state: string; abortMessage?: string | undefined }): Promise<void>;
  /** Ends long waits (snapshots) so that stopping the engine does not wait them out; the runs' next owner resumes them. */
  stop?(): void;
  /**
   * The controller stops and its effects in flight had their time: their cloud
   * calls are let go of, their outcomes neither written nor reported. The
   * runs' next owner issues them again (VMs are created under an idempotency
   * key, so a create let go of that went through is found, not made twice).
   */
  letGo?(): void;
}
