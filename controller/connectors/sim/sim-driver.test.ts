import { describe, expect, it } from 'vitest';
import { createSimDriver } from './sim-driver.js';
import type { SimVmHost } from './sim-vm-host.js';

describe('sim driver validation', () => {
  const driver = createSimDriver({ pool: {} as SimVmHost });

  it('has no settings and no options, and names each one given', () => {
    expect(driver.validateSettings({})).toEqual([]);
    expect(driver.validateOptions({})).toEqual([]);
    expect(driver.validateSettings({ region: 'x' })).toEqual([{ field: 'settings.region', description: 'is not a setting of the sim driver (it has none)' }]);
    expect(driver.validateOptions({ instanceType: 'x' })).toEqual([{ field: 'options.instanceType', description: 'is not an option of the sim driver (it has none)' }]);
  });
});
