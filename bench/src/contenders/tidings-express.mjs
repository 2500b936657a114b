import http from 'node:http';
import express from 'express';
import { benchHub } from './tidings-common.mjs';
import { tidingsPackage } from './tidings-package.mjs';

const { realtime } = await tidingsPackage('express');

/** Tidings as Express middleware, mounted with `app.use('/realtime', …)`. */
export async function start(options) {
  const tidings = benchHub(options);
  const app = express();
  app.use('/realtime', realtime({ hub: tidings.hub }));
  return { server: http.createServer(app), ...tidings };
}
