/**
 * The `local` driver: the embedded cloud for demos and tests, where each VM
 * is a child process running the real agent, booted from the same config
 * file cloud user-data carries. Linux only (it reads /proc).
 */
import { resolve } from 'node:path';
import { ConnectorError, type CapabilitiesReporter, type CloudConnector, type ConnectorContext, type ConnectorDriver, type ControllerHostDriver, type ImageValidator } from '../connector.js';
import { localImageProblem } from './images.js';
import { LocalConnector, localCapabilities } from './local-connector.js';
import { compileLocalDriverOptions, type LocalDriverOptions } from './options.js';
import { parseLocalSettings, validateLocalOptions, validateLocalSettings } from './settings.js';

/** The name clouds use to pick this driver. */
export const LOCAL_DRIVER_NAME = 'local';

/**
 * Makes the `local` driver; `options` (the agent bundle or command, the
 * agents' environment, where VMs work and as whom) are compiled now and throw
 * on bad values.
 */
export function createLocalDriver(options: LocalDriverOptions = {}): ConnectorDriver & CapabilitiesReporter & ControllerHostDriver & ImageValidator {
  const compiled = compileLocalDriverOptions(options);
  return {
    name: LOCAL_DRIVER_NAME,
    capabilitiesOf: (settings: Record<string, string>) => localCapabilities(parseLocalSettings(settings)),
    runsOnControllerHost: true,
    validateSettings: validateLocalSettings,
    validateOptions: validateLocalOptions,
    // Any base image name is fine (a local VM boots none); only what claims to be a built image must be one.
    imageProblem: localImageProblem,
    create(settings: Record<string, string>, context: ConnectorContext): CloudConnector {
      const violations = validateLocalSettings(settings);
      if (violations.length > 0) {
        throw new ConnectorError('invalid', `local: ${violations.map((v) => `${v.field} ${v.description}`).join('; ')}`);
      }
      return new LocalConnector({
        // Absolute: the agent runs in its VM folder and reads paths from its config.
        dataDir: resolve(context.dataDir),
        settings: parseLocalSettings(settings),
        options: compiled,
        log: context.log.child({ driver: 'local' }),
      });
    },
  };
}

export type { LocalDriverOptions } from './options.js';
export { LOCAL_VM_MARKER, LOCAL_VM_DIR_MARKER } from './agent-launch.js';
