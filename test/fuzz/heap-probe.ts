/**
 * Reads a Node process's JS heap after full garbage collections, through its
 * inspector (`node --inspect`): `node --experimental-websocket --import tsx
 * test/fuzz/heap-probe.ts ws://127.0.0.1:PORT/ID` prints `{"usedSize":N,...}`.
 * A separate process because Node 20 gives WebSocket only behind that flag.
 */
const url = process.argv[2];
if (!url?.startsWith('ws://127.0.0.1:')) {
  process.stderr.write('heap-probe: give the inspector URL (ws://127.0.0.1:PORT/ID)\n');
  process.exit(2);
}
const socket = new WebSocket(url);
const pending = new Map<number, (result: unknown) => void>();
let nextId = 0;
socket.addEventListener('message', (event) => {
  const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown };
  if (message.id !== undefined) pending.get(message.id)?.(message.result);
});
const call = (method: string) =>
  new Promise<unknown>((resolve) => {
    const id = ++nextId;
    pending.set(id, resolve);
    socket.send(JSON.stringify({ id, method }));
  });
await new Promise((resolve, reject) => {
  socket.addEventListener('open', resolve);
  socket.addEventListener('error', reject);
});
// Twice: objects with finalizers or weak references freed by the first are collected by the second.
await call('HeapProfiler.collectGarbage');
await call('HeapProfiler.collectGarbage');
process.stdout.write(`${JSON.stringify(await call('Runtime.getHeapUsage'))}\n`);
socket.close();
