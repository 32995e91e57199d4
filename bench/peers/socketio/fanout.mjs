// Scenario 9 peer: the fan-out scenario (3) with socket.io + @socket.io/redis-adapter.
// Two socket.io servers share Redis through the adapter; S clients join one room on server A; events are emitted to
// the room from server B at a fixed rate, so they cross Redis like ours do. Latency is emit → client receive (same
// process clock). Prints one JSON line: {"runs":[{deliveriesPerSecond, p50Ms, p99Ms, delivered, expected}]}.
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { io as connect } from 'socket.io-client';
import { createAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';

const [redisUrl, socketsArg, warmupArg, durationArg, ratesArg] = process.argv.slice(2);
const sockets = Number(socketsArg);
const warmupMs = Number(warmupArg) * 1000;
const durationMs = Number(durationArg) * 1000;
const rates = ratesArg.split(',').map(Number);
const payload = 'x'.repeat(40);

async function server() {
  const pub = createClient({ url: redisUrl });
  const sub = pub.duplicate();
  await Promise.all([pub.connect(), sub.connect()]);
  const http = createServer();
  const io = new Server(http, { adapter: createAdapter(pub, sub), transports: ['websocket'] });
  await new Promise(resolve => http.listen(0, '127.0.0.1', resolve));
  return { io, http, port: http.address().port, close: async () => { io.close(); await pub.quit(); await sub.quit(); } };
}

const a = await server();
const b = await server();
a.io.on('connection', socket => socket.join('room'));

let recording = false;
let latencies = [];
const clients = [];
for (let i = 0; i < sockets; i++) {
  const client = connect(`http://127.0.0.1:${a.port}`, { transports: ['websocket'], forceNew: true });
  client.on('m', (sentAt) => {
    if (recording) latencies.push(Number(process.hrtime.bigint() - BigInt(sentAt)) / 1e6);
  });
  await new Promise(resolve => client.on('connect', resolve));
  clients.push(client);
}
await new Promise(resolve => setTimeout(resolve, 500)); // joins settle

async function emitFor(perSecond, ms) {
  const interval = 1000 / perSecond;
  const start = performance.now();
  let sent = 0;
  while (performance.now() - start < ms) {
    const due = start + sent * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise(resolve => setTimeout(resolve, wait));
    b.io.to('room').emit('m', process.hrtime.bigint().toString(), payload);
    sent++;
  }
  return sent;
}

const percentile = (sorted, p) => sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const runs = [];
for (const deliveriesPerSecond of rates) {
  const perSecond = deliveriesPerSecond / sockets;
  await emitFor(perSecond, warmupMs);
  await new Promise(resolve => setTimeout(resolve, 500));
  latencies = [];
  recording = true;
  const sent = await emitFor(perSecond, durationMs);
  await new Promise(resolve => setTimeout(resolve, 500));
  recording = false;
  const sorted = latencies.slice().sort((x, y) => x - y);
  runs.push({ deliveriesPerSecond, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), delivered: sorted.length, expected: sent * sockets });
}

for (const client of clients) client.close();
await a.close();
await b.close();
console.log(JSON.stringify({ runs }));
process.exit(0);
