// A tiny round-robin reverse proxy — a stand-in for nginx, HAProxy or a cloud load balancer.
// No sticky sessions: each request, including every reconnect, goes to the next live node.
import { createServer, request } from 'node:http';

/**
 * `upstreams()` returns the current nodes as `{ name, port }`; `intercept(req, res)` may answer
 * a request itself (returning true) instead of forwarding it.
 */
export function createProxy(upstreams, intercept = () => false) {
  let next = 0;
  return createServer((req, res) => {
    if (intercept(req, res)) return;
    const nodes = upstreams();
    if (nodes.length === 0) {
      res.writeHead(502, { 'content-type': 'application/json', 'retry-after': '1' });
      res.end(JSON.stringify({ error: { code: 'internal', message: 'no app node is up' } }));
      return;
    }
    forward(req, res, nodes, next++ % nodes.length, 0);
  });
}

function forward(req, res, nodes, index, tries) {
  const node = nodes[(index + tries) % nodes.length];
  const upstream = request(
    { host: '127.0.0.1', port: node.port, method: req.method, path: req.url, headers: req.headers },
    (reply) => {
      res.writeHead(reply.statusCode ?? 502, reply.headers);
      reply.pipe(res); // streams SSE through as it comes
      // The node died mid-response: cut the client too, so it reconnects (to another node).
      reply.on('close', () => {
        if (!reply.complete) res.destroy();
      });
    },
  );
  upstream.on('error', () => {
    // A node that just died: try the next one (only before anything was sent back).
    if (!res.headersSent && tries + 1 < nodes.length) forward(req, res, nodes, index, tries + 1);
    else res.destroy();
  });
  res.on('close', () => upstream.destroy());
  req.pipe(upstream);
}
