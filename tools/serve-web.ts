/**
 * `npm run web`: a tiny static server for web/ on 127.0.0.1 only (the page needs http, not
 * file://, for its Web Worker and fetches). GET and HEAD of files under the folder, nothing
 * else: no listing, no path outside it. Any other static server works as well (web/ is a plain
 * static site once `npm run build:web` has made web/dist/).
 *
 *   npx tsx tools/serve-web.ts [--port N]     (default 8177; 0 picks a free port)
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildWeb, WEB_DIR } from './build-web.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.gz': 'application/gzip',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/** Serves `root` on 127.0.0.1:port; resolves once listening (the real port is server.address().port). */
export function serveStatic(root: string, port: number): Promise<Server> {
  const base = resolve(root);
  const server = createServer((request, response) => {
    const reply = (code: number, text: string) => {
      response.writeHead(code, { 'content-type': 'text/plain; charset=utf-8' });
      response.end(text);
    };
    if (request.method !== 'GET' && request.method !== 'HEAD') return reply(405, 'only GET and HEAD\n');
    let path: string;
    try {
      path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
    } catch {
      return reply(400, 'bad path\n');
    }
    const file = resolve(base, `.${path.endsWith('/') ? `${path}index.html` : path}`);
    if (file !== base && !file.startsWith(base + sep)) return reply(403, 'outside the site\n');
    if (!existsSync(file) || !statSync(file).isFile()) return reply(404, `not found: ${path}\n`);
    response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
    if (request.method === 'HEAD') return response.end();
    createReadStream(file).pipe(response);
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => ok(server));
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--port');
  const port = at >= 0 ? Number(args[at + 1]) : 8177;
  if (args.some((a, i) => a !== '--port' && i !== at + 1) || !Number.isInteger(port) || port < 0 || port > 65535) {
    console.error('usage: npx tsx tools/serve-web.ts [--port N]   (N an integer in 0..65535; default 8177)');
    process.exit(2);
  }
  if (!existsSync(join(WEB_DIR, 'dist', 'worker.js'))) await buildWeb();
  serveStatic(WEB_DIR, port).then(
    (server) => {
      const address = server.address();
      console.log(`mbquad page: http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}/   (Ctrl-C stops)`);
    },
    (e: Error) => {
      console.error(`cannot serve web/ on 127.0.0.1:${port}: ${e.message}`);
      process.exit(1);
    },
  );
}
