import http from 'node:http';
import Koa from 'koa';
import { benchHub } from './tidings-common.mjs';
import { tidingsPackage } from './tidings-package.mjs';

const { realtime } = await tidingsPackage('koa');

/** Tidings as Koa middleware, answering `/realtime` (`realtime({ path })`). */
export async function start(options) {
  const tidings = benchHub(options);
  const app = new Koa();
  app.use(realtime({ hub: tidings.hub, path: '/realtime' }));
  return { server: http.createServer(app.callback()), ...tidings };
}
