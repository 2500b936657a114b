import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ChildServer, freePort } from './child-server.js';

/** Debian's `nginx-light` (`apt-get install nginx-light`); `.ci/run` installs it. */
export const NGINX_PATH = '/usr/sbin/nginx';

/** Whether nginx is installed, for `requireService('nginx', hasNginx())`. */
export function hasNginx(): boolean {
  return existsSync(NGINX_PATH);
}

/**
 * One line per finished request in `access.log`: protocol, status, URI, the response's
 * Content-Encoding and the cache status, so a test can check that nginx did what its case
 * claims (gzip, HTTP/2, cache hits).
 */
const LOG_FORMAT = `'$server_protocol $status "$request_uri" encoding=$sent_http_content_encoding cache=$upstream_cache_status'`;

/** One parsed `access.log` line. */
export interface AccessLogLine {
  protocol: string;
  status: number;
  uri: string;
  encoding: string;
  cache: string;
}

/**
 * A private nginx for one test: its own config, pid, logs, temp and cache paths in a temporary
 * directory, listening on free ports of 127.0.0.1 only, run in the foreground as one process
 * (`daemon off; master_process off`), so stopping it is killing one child process.
 */
export class Nginx {
  private constructor(
    private readonly server: ChildServer,
    /** The free ports `servers` was given, in order. */
    readonly ports: readonly number[],
  ) {}

  /**
   * Writes the config and starts nginx. `servers` gets the temp directory and `ports.length`
   * free ports and returns the `http {}` block's body (server blocks, gzip, caches…).
   */
  static async start(
    portCount: number,
    servers: (ports: readonly number[], dir: string) => string,
  ): Promise<Nginx> {
    const ports: number[] = [];
    for (let i = 0; i < portCount; i++) ports.push(await freePort());
    const server = new ChildServer(
      NGINX_PATH,
      (dir) => ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')],
      ports,
    );
    const dir = server.dir;
    writeFileSync(
      join(dir, 'nginx.conf'),
      `daemon off;
master_process off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  log_format tidings ${LOG_FORMAT};
  access_log ${dir}/access.log tidings;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
${servers(ports, dir)}
}
`,
    );
    const nginx = new Nginx(server, ports);
    try {
      await server.restart();
    } catch (error) {
      const log = nginx.read('error.log');
      await server.stop();
      throw new Error(`${(error as Error).message}\n${log}`);
    }
    return nginx;
  }

  /** The directory holding config, logs, temp files and anything the config put there (certificates). */
  get dir(): string {
    return this.server.dir;
  }

  /** `http://127.0.0.1:<port>` of the n-th port. */
  url(index = 0, scheme: 'http' | 'https' = 'http'): string {
    return `${scheme}://127.0.0.1:${this.ports[index]}`;
  }

  /** The requests nginx has finished so far (a stream is logged when it ends). */
  accessLog(): AccessLogLine[] {
    return this.read('access.log')
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const match = /^(\S+) (\d+) "(.*)" encoding=(\S*) cache=(\S*)$/.exec(line);
        if (!match) throw new Error(`unexpected access.log line: ${line}`);
        const [, protocol = '', status = '0', uri = '', encoding = '', cache = ''] = match;
        return { protocol, status: Number(status), uri, encoding, cache };
      });
  }

  /** Kills nginx and removes its directory. */
  stop(): Promise<void> {
    return this.server.stop();
  }

  private read(file: string): string {
    const path = join(this.dir, file);
    return existsSync(path) ? readFileSync(path, 'utf8') : '';
  }
}
