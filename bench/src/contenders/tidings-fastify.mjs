import { realtime } from '@tidings/fastify';
import Fastify from 'fastify';
import { benchHub } from './tidings-common.mjs';

/** Tidings as the Fastify plugin, registered under `/realtime`. */
export async function start() {
  const tidings = benchHub();
  const app = Fastify();
  await app.register(realtime, { hub: tidings.hub, prefix: '/realtime' });
  await app.ready();
  return { server: app.server, ...tidings };
}
