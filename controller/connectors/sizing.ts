/**
 * Sizing: the machine type a VM gets when its component states cpu and
 * ramGB (cloud-neutral) and names no type of its cloud. Every driver that
 * sizes keeps a table of its cloud's types, cheapest first, and picks with
 * `cheapestFit`.
 */

/** One machine type of a cloud: its vCPUs (a shared-core type's sustained share) and its memory in GB. */
export interface MachineSize {
  name: string;
  cpu: number;
  ramGB: number;
}

/** What a component asks for. An unset value sets no lower bound on its dimension. */
export interface SizeWanted {
  cpu?: number | undefined;
  ramGB?: number | undefined;
}

/**
 * The first type of `table` (ordered cheapest first) with at least the
 * wanted cpu and ramGB, or undefined when none is that large: the driver
 * then refuses the VM with its own error. One rule for unset values: an
 * unset cpu or ramGB sets no lower bound (it counts as 0), so with both unset
 * the cheapest type wins; a driver that needs a floor (EC2's memory for Node
 * and the agent) fills it in before asking. Equally priced types keep the
 * table's order: the one listed first wins.
 */
export function cheapestFit<T extends MachineSize>(table: readonly T[], wanted: SizeWanted): T | undefined {
  const cpu = wanted.cpu ?? 0;
  const ramGB = wanted.ramGB ?? 0;
  return table.find((t) => t.cpu >= cpu && t.ramGB >= ramGB);
}
