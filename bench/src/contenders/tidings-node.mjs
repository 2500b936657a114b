import http from 'node:http';
import { benchHub } from './tidings-common.mjs';
import { tidingsPackage } from './tidings-package.mjs';

/** Tidings through the node:http adapter (`@tidings/node` when built, else core's identical handler). */
export async function start(options) {
  const tidings = benchHub(options);
  const handle = await nodeListener(tidings.hub);
  const server = http.createServer((req, res) => {
    if (req.url.startsWith('/realtime')) handle(req, res);
    else res.writeHead(404).end();
  });
  return { server, ...tidings };
}

async function nodeListener(hub) {
  try {
    const { realtime } = await tidingsPackage('node');
    if (typeof realtime === 'function') return realtime({ hub });
  } catch {
    // not built yet: core's createNodeHandler is the same code path
  }
  const { createNodeHandler } = await tidingsPackage('core');
  const handle = createNodeHandler(hub);
  return (req, res) => handle(req, res, req);
}
