import { packageVersion } from '../common/package-root.js';

/** This controller's release, as package.json states it: what each replica registers and `controller list` shows. */
export const CONTROLLER_VERSION: string = packageVersion();
