import type { ConnectorDriver } from './connector.js';

/** The drivers a controller knows, by name. */
export class ConnectorRegistry {
  private readonly drivers = new Map<string, ConnectorDriver>();

  register(driver: ConnectorDriver): this {
    if (this.drivers.has(driver.name)) throw new Error(`connector driver '${driver.name}' is registered twice`);
    this.drivers.set(driver.name, driver);
    return this;
  }

  get(name: string): ConnectorDriver | undefined {
    return this.drivers.get(name);
  }

  names(): string[] {
    return [...this.drivers.keys()].sort();
  }
}
