import { afterEach, describe, expect, it } from 'vitest';
import { adapters } from '../conformance/adapters.js';
import type { StartedApp } from '../conformance/harness.js';
import { openSse } from '../helpers/sse-client.js';

const origin = 'https://app.example';

// Preflight (OPTIONS) and the CORS headers of 204, SSE and poll responses must survive every
// framework's routing and response path — e.g. a route registered for GET only would 404 them.
describe.each(adapters)('CORS through $name', (adapter) => {
  const apps: StartedApp[] = [];
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
  });

  it('answers the preflight and adds CORS headers to streams and polls', async () => {
    const app = await adapter.start({ cors: { origins: [origin] } });
    apps.push(app);
    const preflight = await fetch(`${app.url}?topic=a`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'last-event-id',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(origin);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('last-event-id');

    const stream = await openSse(`${app.url}?topic=a`, { origin });
    try {
      expect(stream.status).toBe(200);
      expect(stream.headers.get('access-control-allow-origin')).toBe(origin);
      expect(stream.headers.get('access-control-expose-headers')).toContain('Tidings-Cursor');
    } finally {
      stream.close();
    }

    const poll = await fetch(`${app.url}?topic=a`, { headers: { origin } });
    expect(poll.status).toBe(200);
    expect(poll.headers.get('access-control-allow-origin')).toBe(origin);
    const foreign = await fetch(`${app.url}?topic=a`, { headers: { origin: 'https://evil.example' } });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  });
});
