import Fastify from 'fastify';
import { benchHub } from './tidings-common.mjs';
import { tidingsPackage } from './tidings-package.mjs';

const { realtime } = await tidingsPackage('fastify');

/** Tidings as the Fastify plugin, registered under `/realtime`. */
export async function start(options) {
  const tidings = benchHub(options);
  const app = Fastify();
  await app.register(realtime, { hub: tidings.hub, prefix: '/realtime' });
  await app.ready();
  return { server: app.server, ...tidings };
}
