/**
 * Child process of raw-unary: a bare grpc-js echo server on 127.0.0.1, with no
 * interceptors, auth or codec. Prints its port on stdout, then serves until
 * its parent goes away.
 */
import * as grpc from '@grpc/grpc-js';
import { ECHO_SERVICE, UNLIMITED_MESSAGES } from './common.js';

// The IPC channel closes when the parent exits however it exits, so this server never lingers.
process.on('disconnect', () => process.exit(0));

const server = new grpc.Server(UNLIMITED_MESSAGES);
server.addService(ECHO_SERVICE, {
  echo: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => callback(null, call.request),
});
server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => {
  if (err) {
    process.stderr.write(`echo-server: ${err.message}\n`);
    process.exit(1);
  }
  process.stdout.write(`${port}\n`);
});
