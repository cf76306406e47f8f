/**
 * The `fake` driver: a first-class driver for tests, with failure injection
 * (failing, slow, throttled provisioning; lost VMs) set through its cloud
 * settings. VMs live in a process-wide world shared with the test
 * (`fakeWorld(name)`); with a delegate driver they are real (e.g. `local`
 * agents) and the fake only injects the failures.
 */
import {
  ConnectorError,
  reportsCapabilities,
  runsOnControllerHost,
  type CapabilitiesReporter,
  type CloudConnector,
  type ConnectorContext,
  type ConnectorDriver,
} from '../connector.js';
import type { FieldViolation } from '../../../common/errors.js';
import { FakeConnector, fakeCapabilities } from './fake-connector.js';
import { checkFakeSettings, parseFakeSettings, unknownFakeSetting } from './settings.js';
import { fakeWorld } from './world.js';

/** The name clouds use to pick this driver. */
export const FAKE_DRIVER_NAME = 'fake';

/** What `createFakeDriver` takes. */
export interface FakeDriverOptions {
  /**
   * The driver that really runs the VMs (say `createLocalDriver(...)`); the
   * settings the fake does not know are its settings, and its options are the
   * components' options. Without one, VMs exist only in memory.
   */
  delegate?: ConnectorDriver;
}

/** Makes the `fake` driver, optionally in front of a real one. */
export function createFakeDriver(options: FakeDriverOptions = {}): ConnectorDriver & CapabilitiesReporter {
  const delegate = options.delegate;
  const validateSettings = (settings: Record<string, string>): FieldViolation[] => {
    const { violations, rest } = checkFakeSettings(settings);
    const others = delegate ? delegate.validateSettings(rest) : Object.keys(rest).map(unknownFakeSetting);
    return [...violations, ...others];
  };
  return {
    name: FAKE_DRIVER_NAME,
    // Its VMs are the delegate's: on the controller's host when the delegate's are.
    ...(delegate && runsOnControllerHost(delegate) ? { runsOnControllerHost: true as const } : {}),
    validateSettings,
    capabilitiesOf(settings: Record<string, string>) {
      // A delegate that cannot tell its capabilities without credentials is taken to build no images.
      const rest = checkFakeSettings(settings).rest;
      const delegated = delegate && (reportsCapabilities(delegate) ? delegate.capabilitiesOf(rest) : { buildImage: false, sshKeys: false, maxParallelProvisioning: 0 });
      return fakeCapabilities(parseFakeSettings(settings), delegated);
    },
    validateOptions(componentOptions: Record<string, string>): FieldViolation[] {
      if (delegate) return delegate.validateOptions(componentOptions);
      return Object.keys(componentOptions).map((key) => ({ field: `options.${key}`, description: 'is not an option of the fake driver (it has none)' }));
    },
    create(settings: Record<string, string>, context: ConnectorContext): CloudConnector {
      const violations = validateSettings(settings);
      if (violations.length > 0) {
        throw new ConnectorError('invalid', `fake: ${violations.map((v) => `${v.field} ${v.description}`).join('; ')}`);
      }
      const parsed = parseFakeSettings(settings);
      const delegated = delegate?.create(checkFakeSettings(settings).rest, context);
      return new FakeConnector(parsed, fakeWorld(parsed.world), delegated);
    },
  };
}

export { fakeWorld, FakeWorld, type FakeVm } from './world.js';
export { FAKE_RETRY_AFTER_MS } from './fake-connector.js';
