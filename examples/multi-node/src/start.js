// Starts three app nodes (separate processes), a round-robin proxy in front of them and a
// ticker that publishes through the proxy every second. Open the printed URL; use the page's
// "Kill" button to SIGKILL the node serving you and watch the stream resume on another node.
// Needs Redis (REDIS_URL, default redis://127.0.0.1:6379), or NATS with JetStream when BROKER=nats
// (NATS_URL, default 127.0.0.1:4222).
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createProxy } from './proxy.js';

const NODES = ['node-1', 'node-2', 'node-3'];
const script = fileURLToPath(new URL('./node.js', import.meta.url));
/** name → { child, port } of the nodes that are up. */
const running = new Map();
let stopping = false;

function startNode(name) {
  const child = fork(script, { env: { ...process.env, NODE_NAME: name, PORT: '0' } });
  child.on('message', (message) => running.set(name, { name, child, port: message.port }));
  child.on('exit', () => {
    running.delete(name);
    if (!stopping) setTimeout(() => startNode(name), 3_000); // a crashed node comes back later
  });
}

// Demo control, answered by the proxy itself: POST /admin/kill?node=node-2 (SIGKILL).
const proxy = createProxy(
  () => [...running.values()],
  (req, res) => {
    if (req.method !== 'POST' || !req.url?.startsWith('/admin/kill')) return false;
    const name = new URL(req.url, 'http://proxy').searchParams.get('node');
    running.get(name)?.child.kill('SIGKILL');
    res.writeHead(204).end();
    return true;
  },
);

const ticker = setInterval(() => {
  if (running.size === 0) return;
  fetch(`${url}/api/publish`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text: 'tick' }),
  }).catch(() => {});
}, 1_000);

let url = '';
const port = Number(process.env.PORT ?? 3000);
// The nodes start once the proxy listens: a proxy that cannot listen leaves no node behind.
proxy.listen(port, '127.0.0.1', () => {
  url = `http://127.0.0.1:${proxy.address().port}`;
  for (const name of NODES) startNode(name);
  console.log(`Tidings multi-node demo: ${url}/  (3 nodes behind a round-robin proxy)`);
});
proxy.on('error', (error) => {
  console.error(
    error.code === 'EADDRINUSE'
      ? `Port ${port} on 127.0.0.1 is already in use: stop whatever holds it, or pick another, e.g. PORT=3001 npm start`
      : `Cannot listen on 127.0.0.1:${port}: ${error.message}`,
  );
  process.exit(1);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    stopping = true;
    clearInterval(ticker);
    for (const { child } of running.values()) child.kill('SIGTERM');
    proxy.close(() => process.exit(0));
    proxy.closeAllConnections();
  });
}
