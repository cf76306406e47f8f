import type { Logger } from 'pino';
import type { CloudConnector, ConnectorDriver } from './connector.js';
import type { ConnectorRegistry } from './registry.js';

/** A configured cloud: a name bound to a driver and its settings. */
export interface CloudDefinition {
  name: string;
  driver: string;
  settings: Record<string, string>;
}

/**
 * The clouds this controller deploys to, and one connector per cloud.
 * (Per-tenant credentials and admin-managed clouds plug in here.)
 */
export class CloudDirectory {
  private readonly definitions = new Map<string, CloudDefinition>();
  private readonly connectors = new Map<string, CloudConnector>();

  constructor(
    private readonly registry: ConnectorRegistry,
    definitions: readonly CloudDefinition[],
    private readonly context: { dataDir: string; log: Logger },
  ) {
    for (const definition of definitions) {
      const driver = this.registry.get(definition.driver);
      if (!driver) throw new Error(`cloud '${definition.name}': unknown driver '${definition.driver}'`);
      const violations = driver.validateSettings(definition.settings);
      if (violations.length > 0) {
        throw new Error(`cloud '${definition.name}': ${violations.map((v) => `${v.field}: ${v.description}`).join('; ')}`);
      }
      this.definitions.set(definition.name, definition);
    }
  }

  has(name: string): boolean {
    return this.definitions.has(name);
  }

  names(): string[] {
    return [...this.definitions.keys()].sort();
  }

  driver(name: string): ConnectorDriver | undefined {
    const definition = this.definitions.get(name);
    return definition ? this.registry.get(definition.driver) : undefined;
  }

  /** The connector of a cloud, created on first use. */
  connector(name: string): CloudConnector {
    const existing = this.connectors.get(name);
    if (existing) return existing;
    const definition = this.definitions.get(name);
    if (!definition) throw new Error(`unknown cloud '${name}'`);
    const connector = this.registry.get(definition.driver)!.create(definition.settings, {
      dataDir: this.context.dataDir,
      log: this.context.log.child({ cloud: name }),
      credentials: {},
    });
    this.connectors.set(name, connector);
    return connector;
  }

  async close(): Promise<void> {
    await Promise.all([...this.connectors.values()].map((c) => c.close()));
    this.connectors.clear();
  }
}
