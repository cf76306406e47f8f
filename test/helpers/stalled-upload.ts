/**
 * A process that starts a report upload and stalls in the middle, for tests
 * that kill it there (SIGKILL): `node --import tsx test/helpers/stalled-upload.ts
 * ADDRESS NAME` with the agent credential in SLIPSTREAM_TEST_CREDENTIAL. It
 * declares twice the bytes it sends, sends them, prints `sent`, and waits.
 */
import { UploadReportRequest } from '../../proto/gen/slipstream/v1/agent.js';
import { agentServiceClient, bearerMetadata } from './agent-probe.js';

const [address, name] = process.argv.slice(2);
const credential = process.env.SLIPSTREAM_TEST_CREDENTIAL;
if (!address || !name || !credential) {
  process.stderr.write('stalled-upload: ADDRESS NAME, and SLIPSTREAM_TEST_CREDENTIAL\n');
  process.exit(2);
}
const call = agentServiceClient(address).uploadReport(bearerMetadata(credential), () => undefined);
call.on('error', () => undefined);
call.write(UploadReportRequest.fromPartial({ name, size: 6 }));
call.write(UploadReportRequest.fromPartial({ chunk: Buffer.from('cut') }), () => process.stdout.write('sent\n'));
setInterval(() => undefined, 60_000);
