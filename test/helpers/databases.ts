import type { TestDatabase } from './controller.js';

/**
 * The databases the integration suites run against. Both by default; set
 * SLIPSTREAM_TEST_DATABASES=sqlite to skip PostgreSQL on a machine without it.
 */
export const TEST_DATABASES: TestDatabase[] = (process.env.SLIPSTREAM_TEST_DATABASES ?? 'sqlite,postgres')
  .split(',')
  .map((d) => d.trim())
  .filter((d): d is TestDatabase => d === 'sqlite' || d === 'postgres');
