import { realtime } from '@tidings/express';
import compression from 'compression';
import express from 'express';
import { listen } from '../helpers/server.js';
import type { AdapterUnderTest } from './harness.js';

const expressAdapter: AdapterUnderTest = {
  name: 'express',
  async start({ compression: compress, ...options } = {}) {
    const app = express();
    if (compress) app.use(compression());
    const rt = realtime(options);
    app.use('/realtime', rt);
    const server = await listen(app);
    return {
      url: `${server.url}/realtime`,
      hub: rt.hub,
      close: async () => {
        await rt.close();
        await server.close();
      },
    };
  },
};

/** Every adapter the conformance suite runs against. */
export const adapters: AdapterUnderTest[] = [expressAdapter];
