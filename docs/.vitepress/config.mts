import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, posix, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitepress';

/**
 * The documentation site (issue 14): the Markdown in docs/, plus the README (the home page),
 * PROTOCOL, ARCHITECTURE, SECURITY, bench/RESULTS.md and the package and example READMEs, so
 * every page links as it does on GitHub. `npm run docs:build` fails on a dead link: VitePress
 * checks links between pages, `checkAnchors` the `#fragment` of each against the built pages;
 * links to source files (tests, scripts, JSON) become links to the repository, after checking
 * that the file exists.
 */
const REPO = 'https://github.com/tidings/tidings';
const root = fileURLToPath(new URL('../..', import.meta.url));

export default defineConfig({
  title: 'Tidings',
  description:
    'Real-time notifications for Node.js web apps over plain HTTP: SSE, long-polling and adaptive polling.',
  srcDir: '..',
  srcExclude: ['**/src/**', 'test/**', 'docs/.vitepress/**', '**/CHANGELOG.md'],
  rewrites: {
    'README.md': 'index.md',
    'packages/:name/README.md': 'packages/:name/index.md',
    'examples/:name/README.md': 'examples/:name/index.md',
  },
  cleanUrls: true,
  lastUpdated: false,
  buildEnd: (site) => checkAnchors(site.outDir),
  markdown: {
    config(md) {
      md.core.ruler.push('tidings-repository-links', (state) => {
        const from = (state.env as { realPath?: string; path: string }).realPath ?? state.env.path;
        for (const token of state.tokens) {
          for (const child of token.children ?? []) {
            if (child.type !== 'link_open') continue;
            const href = child.attrGet('href');
            const target = href && repositoryLink(from, href);
            if (target) child.attrSet('href', target);
          }
        }
      });
    },
  },
  themeConfig: {
    nav: [
      { text: 'Guide', link: '/docs/adapters' },
      { text: 'Protocol', link: '/PROTOCOL' },
    ],
    sidebar: [
      { text: 'Introduction', items: [{ text: 'Tidings', link: '/' }] },
      {
        text: 'Guide',
        items: [
          { text: 'Adapters', link: '/docs/adapters' },
          { text: 'Client', link: '/docs/client' },
          { text: 'Scaling out (Redis)', link: '/docs/scaling-out' },
          { text: 'NATS backplane', link: '/docs/nats' },
          { text: 'Security', link: '/docs/security' },
          { text: 'Operating', link: '/docs/operating' },
          { text: 'Performance', link: '/docs/performance' },
          { text: 'Packaging and releasing', link: '/docs/releasing' },
        ],
      },
      {
        text: 'Reference',
        items: [
          { text: 'Wire protocol', link: '/PROTOCOL' },
          { text: 'Architecture', link: '/ARCHITECTURE' },
          { text: 'Security model', link: '/SECURITY' },
          { text: 'Benchmark results', link: '/bench/RESULTS' },
        ],
      },
      {
        text: 'Packages',
        collapsed: true,
        items: ['core', 'express', 'koa', 'fastify', 'node', 'fetch', 'client', 'redis', 'nats'].map(
          (name) => ({
            text: `@tidings/${name}`,
            link: `/packages/${name}/`,
          }),
        ),
      },
      {
        text: 'Examples',
        collapsed: true,
        items: [
          'express-notifications',
          'koa-notifications',
          'fastify-notifications',
          'node-http-notifications',
          'hono-notifications',
          'multi-node',
          'grafana',
        ].map((name) => ({ text: name, link: `/examples/${name}/` })),
      },
    ],
    socialLinks: [{ icon: 'github', link: REPO }],
    search: { provider: 'local' },
  },
});

/**
 * A relative link to something that is not a page of the site (a source file, a folder, a
 * dot-folder's Markdown) points into the repository instead; a missing file is an error.
 */
function repositoryLink(from: string, href: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:|^#|^\//i.test(href)) return undefined;
  const [path = '', hash = ''] = href.split(/(?=#)/);
  const file = resolve(dirname(from), decodeURI(path));
  const inRepo = relative(root, file);
  if (inRepo.startsWith('..'))
    throw new Error(`${relative(root, from)}: link outside the repository: ${href}`);
  const isPage = file.endsWith('.md') && !inRepo.split('/').some((part) => part.startsWith('.'));
  if (isPage) return undefined; // VitePress checks it
  if (!existsSync(file)) throw new Error(`${relative(root, from)}: dead link ${href} (no ${inRepo})`);
  return `${REPO}/${statSync(file).isDirectory() ? 'tree' : 'blob'}/main/${inRepo}${hash}`;
}

/** Every `#fragment` of a link between built pages names an element of its target page. */
function checkAnchors(outDir: string): void {
  const pages = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.html'))
        pages.set(`/${relative(outDir, path)}`, readFileSync(path, 'utf8'));
    }
  };
  walk(outDir);
  const ids = new Map(
    [...pages].map(([page, html]) => [page, new Set([...html.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]))]),
  );
  const dead: string[] = [];
  for (const [page, html] of pages) {
    for (const [, href = ''] of html.matchAll(/<a [^>]*href="([^"]*#[^"]+)"/g)) {
      if (/^[a-z]+:|^\/\//i.test(href)) continue;
      const [path = '', fragment = ''] = href.split('#');
      const target = path === '' ? page : posix.resolve(posix.dirname(page), path);
      const file = [target, `${target}.html`, `${target}/index.html`].find((candidate) => ids.has(candidate));
      if (file && !ids.get(file)?.has(decodeURIComponent(fragment))) dead.push(`${page}: ${href}`);
    }
  }
  if (dead.length > 0) throw new Error(`links to missing anchors:\n${dead.join('\n')}`);
}
