// One app on every core: node:cluster forks WORKERS workers (default: one per core) that share
// one listening port; each worker is a full Tidings node on the shared Redis backplane, so an
// event published by any worker reaches the subscribers of every worker. A worker that dies
// is forked again; its clients reconnect (to whichever worker accepts) with their Last-Event-ID.
// Needs Redis (REDIS_URL, default redis://127.0.0.1:6379). See docs/scaling-out.md#several-cores-on-one-host.
import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';

if (cluster.isPrimary) {
  const workers = Number(process.env.WORKERS ?? availableParallelism());
  let stopping = false;
  let listening = 0;
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on('listening', (_worker, address) => {
    if (++listening === workers) {
      console.log(`${workers} workers on http://127.0.0.1:${address.port}/`);
    }
  });
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    if (listening < workers) {
      // Dead before the cluster was up (port in use, Redis away…): another fork would die too.
      console.error(`worker ${worker.id} exited (${signal ?? code}) before the cluster was up; stopping`);
      process.exitCode = 1;
      return stop();
    }
    console.log(`worker ${worker.id} died (${signal ?? code}); forking another`);
    cluster.fork();
  });
  const stop = () => {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
} else {
  await import('./worker.js');
}
