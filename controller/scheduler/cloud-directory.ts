import type { Logger } from 'pino';
import type { CredentialCipher } from '../auth/credential-cipher.js';
import type { FieldViolation } from '../../common/errors.js';
import type { CloudCatalog } from '../domain/runs/launch.js';
import { Batcher } from '../concurrency/batcher.js';
import type { CloudCredentialRow } from '../store/entities/cloud-credential.js';
import type { CloudRow } from '../store/entities/cloud.js';
import type { Store } from '../store/store.js';
import { validatesImages, type CloudConnector, type ConnectorDriver } from '../connectors/connector.js';
import type { ConnectorRegistry } from '../connectors/registry.js';
import { instrumentConnector } from '../metrics/instrumented-connector.js';
import type { CloudCallMetrics } from '../metrics/ports.js';

/** What a connector is built from, as stored: the cloud (none for a built-in one) and the tenant's credential. */
interface StoredRows {
  cloud: CloudRow | null | undefined;
  credential: CloudCredentialRow | null;
}

/** A configured cloud: a name bound to a driver and its settings. */
export interface CloudDefinition {
  name: string;
  driver: string;
  settings: Record<string, string>;
  /** Built in (from options), not stored: cannot be changed or deleted through the API. */
  builtIn?: boolean;
}

/**
 * The clouds this controller deploys to: built-in ones from the options plus
 * the ones admins stored, and one connector per cloud and tenant (each
 * tenant's own credentials), rebuilt when the cloud or the credential changes.
 */
export class CloudDirectory {
  private readonly builtIns = new Map<string, CloudDefinition>();
  private readonly connectors = new Map<string, { version: string; connector: CloudConnector }>();
  /**
   * The rows a connector's freshness is checked against, read once for all the
   * callers that asked while the previous read was in flight: a fleet of
   * 10,000 provisions is a few hundred reads, not 10,000, and each caller
   * still sees a read begun after it asked.
   */
  private readonly rows = new Batcher<undefined, StoredRows>(async (key, callers) => {
    const [name, tenantId] = JSON.parse(key) as [string, string];
    const rows = await this.readRows(name, tenantId);
    return callers.map(() => rows);
  });

  constructor(
    private readonly registry: ConnectorRegistry,
    builtIns: readonly CloudDefinition[],
    private readonly store: Store,
    private readonly cipher: CredentialCipher,
    /** `metrics`: every connector handed out counts its cloud calls there. */
    private readonly context: { dataDir: string; log: Logger; metrics?: CloudCallMetrics },
  ) {
    for (const definition of builtIns) {
      const violations = this.validate(definition.driver, definition.settings);
      if (violations.length > 0) {
        throw new Error(`cloud '${definition.name}': ${violations.map((v) => `${v.field}: ${v.description}`).join('; ')}`);
      }
      this.builtIns.set(definition.name, { ...definition, builtIn: true });
    }
  }

  /** Violations of a driver name and its settings. */
  validate(driver: string, settings: Record<string, string>): FieldViolation[] {
    const found = this.registry.get(driver);
    if (!found) return [{ field: 'driver', description: `unknown driver '${driver}'; known: ${this.registry.names().join(', ')}` }];
    return found.validateSettings(settings);
  }

  isBuiltIn(name: string): boolean {
    return this.builtIns.has(name);
  }

  driver(name: string): ConnectorDriver | undefined {
    return this.registry.get(name);
  }

  /** Every cloud, built-in first. */
  async list(): Promise<CloudDefinition[]> {
    const stored = await this.store.read((repos) => repos.clouds.list());
    return [
      ...this.builtIns.values(),
      ...stored.map((row) => ({ name: row.name, driver: row.driver, settings: JSON.parse(row.settings) as Record<string, string> })),
    ];
  }

  async definition(name: string): Promise<CloudDefinition | undefined> {
    const builtIn = this.builtIns.get(name);
    if (builtIn) return builtIn;
    const row = await this.store.read((repos) => repos.clouds.find(name));
    return row ? { name: row.name, driver: row.driver, settings: JSON.parse(row.settings) as Record<string, string> } : undefined;
  }

  /** A synchronous view of the clouds as they are now (or of `definitions`, already read), for launch validation. */
  async catalog(definitions?: readonly CloudDefinition[]): Promise<CloudCatalog> {
    const clouds = new Map((definitions ?? (await this.list())).map((c) => [c.name, c]));
    return {
      has: (name) => clouds.has(name),
      validateOptions: (name, options) => {
        const definition = clouds.get(name);
        return definition ? (this.registry.get(definition.driver)?.validateOptions(options) ?? []) : [];
      },
      imageProblem: (name, image) => {
        const driver = this.registry.get(clouds.get(name)?.driver ?? '');
        return driver && validatesImages(driver) ? driver.imageProblem(image) : undefined;
      },
    };
  }

  /** The connector of a cloud for one tenant, with that tenant's decrypted credentials. */
  async connector(name: string, tenantId: string): Promise<CloudConnector> {
    const loaded = await this.rows.submit(JSON.stringify([name, tenantId]), undefined);
    const definition = this.builtIns.get(name) ?? (loaded.cloud ? await this.definition(name) : undefined);
    if (!definition) throw new Error(`unknown cloud '${name}'`);
    const version = `${loaded.cloud?.updatedAt.getTime() ?? 0}/${loaded.credential?.updatedAt.getTime() ?? 0}`;
    const key = `${name}/${tenantId}`;
    const cached = this.connectors.get(key);
    if (cached?.version === version) return cached.connector;
    if (cached) await cached.connector.close().catch(() => undefined);
    const driver = this.registry.get(definition.driver);
    if (!driver) throw new Error(`cloud '${name}': unknown driver '${definition.driver}'`);
    const credentials = loaded.credential ? this.cipher.decrypt(loaded.credential.ciphertext, tenantId, name) : {};
    const created = driver.create(definition.settings, {
      dataDir: this.context.dataDir,
      log: this.context.log.child({ cloud: name }),
      credentials,
    });
    const connector = this.context.metrics ? instrumentConnector(created, name, this.context.metrics) : created;
    this.connectors.set(key, { version, connector });
    return connector;
  }

  private readRows(name: string, tenantId: string): Promise<StoredRows> {
    return this.store.read(async (repos) => ({
      cloud: this.builtIns.has(name) ? undefined : await repos.clouds.find(name),
      credential: await repos.clouds.credential(tenantId, name),
    }));
  }

  async close(): Promise<void> {
    await Promise.all([...this.connectors.values()].map((c) => c.connector.close()));
    this.connectors.clear();
  }
}
