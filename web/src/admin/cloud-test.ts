/** What TestCloud said of a cloud, for a row: it works, it does not (and why), or the call itself was refused. */
import { api } from '../api/clients.js';
import { problemOf } from '../api/errors.js';

export type CloudTestResult = { state: 'testing' } | { state: 'ok'; message: string } | { state: 'failed'; message: string };

export async function testCloud(name: string): Promise<CloudTestResult> {
  try {
    const result = await api.clouds.testCloud({ name });
    return result.ok ? { state: 'ok', message: result.message } : { state: 'failed', message: result.message };
  } catch (err) {
    return { state: 'failed', message: problemOf(err).message };
  }
}
