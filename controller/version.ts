import packageJson from '../package.json' with { type: 'json' };

/** This controller's release, as package.json states it: what each replica registers and `controller list` shows. */
export const CONTROLLER_VERSION: string = packageJson.version;
