import type { AddressInfo } from 'node:net';
import { connect, createServer, type Socket } from 'node:net';

/**
 * A real TCP proxy on 127.0.0.1 that, while `buffering` is on, holds each upstream
 * connection's response bytes until the upstream closes — what nginx with
 * `proxy_buffering on`, or an antivirus or corporate proxy, does to a streamed response.
 * Turning `buffering` off affects new connections: they pass bytes through at once.
 */
export interface BufferingProxy {
  readonly url: string;
  buffering: boolean;
  /** While on, a long-poll (`wait=` in the request line) is cut after 200 ms, like a proxy with a short idle timeout. */
  cutLongPolls: boolean;
  /** Silently stops forwarding on every open connection, like a link that died without a FIN or RST. */
  freeze(): void;
  /** Connections accepted so far. */
  readonly connections: number;
  /**
   * Resolves when the first byte of the first answer to a `/realtime` request leaves the
   * server (held here or not): by then the server has fixed the position of the client's
   * first request, so every event published after this moment is owed to the client.
   */
  readonly firstAnswer: Promise<void>;
  close(): Promise<void>;
}

export async function startBufferingProxy(targetPort: number): Promise<BufferingProxy> {
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  const state = { buffering: true, cutLongPolls: false, connections: 0 };
  const passing = new Set<{ upstream: Socket; client: Socket }>();
  let answered = () => {};
  const firstAnswer = new Promise<void>((resolve) => {
    answered = resolve;
  });
  const server = createServer((client) => {
    state.connections++;
    const upstream = connect({ port: targetPort, host: '127.0.0.1' });
    track(client);
    track(upstream);
    client.pipe(upstream);
    client.once('data', (chunk: Buffer) => {
      const requestLine = chunk.toString('latin1').split('\r\n', 1)[0] ?? '';
      if (requestLine.includes('/realtime')) upstream.once('data', () => answered());
      if (state.cutLongPolls && /[?&]wait=/.test(requestLine)) {
        setTimeout(() => client.destroy(), 200);
      }
    });
    if (state.buffering) {
      const held: Buffer[] = [];
      upstream.on('data', (chunk: Buffer) => held.push(chunk));
      upstream.once('end', () => client.end(Buffer.concat(held)));
    } else {
      upstream.pipe(client);
      const pair = { upstream, client };
      passing.add(pair);
      client.once('close', () => passing.delete(pair));
    }
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.end());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get buffering() {
      return state.buffering;
    },
    set buffering(on: boolean) {
      state.buffering = on;
    },
    get cutLongPolls() {
      return state.cutLongPolls;
    },
    set cutLongPolls(on: boolean) {
      state.cutLongPolls = on;
    },
    freeze() {
      for (const { upstream, client } of passing) {
        upstream.unpipe(client);
        upstream.pause();
      }
      passing.clear();
    },
    get connections() {
      return state.connections;
    },
    firstAnswer,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
