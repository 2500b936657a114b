import http from 'node:http';
import { realtime } from '@tidings/koa';
import Koa from 'koa';
import { benchHub } from './tidings-common.mjs';

/** Tidings as Koa middleware, answering `/realtime` (`realtime({ path })`). */
export async function start() {
  const tidings = benchHub();
  const app = new Koa();
  app.use(realtime({ hub: tidings.hub, path: '/realtime' }));
  return { server: http.createServer(app.callback()), ...tidings };
}
