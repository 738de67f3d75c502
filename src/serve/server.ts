/**
 * `headroom serve`: a local HTTP server over one database, read-only. It keeps one read connection (WAL: it sees each
 * transaction compare, search or confirm commit), notices commits by polling SQLite's data_version, and tells every
 * open page through server-sent events; pages then fetch their view again. Only GET, only its own routes, and by
 * default only on 127.0.0.1 (with a Host check, so that a web page cannot reach it by DNS rebinding).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { loadInlineScripts } from '../report/index.js';
import { openReadOnly } from '../report/data.js';
import type { CandidateSpec } from '../report/delta.js';
import type { DeltaView } from '../report/types.js';
import { Journal, overview, QueryError, type Overview } from '../query/index.js';
import { shellHtml } from './page.js';
import { DEFAULT_BASELINE, navHtml, viewFor, type View, type ViewContext } from './views.js';

export interface ServeOptions {
  dbPath: string;
  /** 127.0.0.1 unless told otherwise. */
  host?: string;
  /** 0: any free port. */
  port?: number;
  /** How often the database is checked for commits (ms); pages are told within this plus a fetch. */
  pollMs?: number;
}

export interface Dashboard {
  url: string;
  port: number;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

function hostName(header: string | undefined): string {
  if (!header) return '';
  if (header.startsWith('[')) return header.slice(0, header.indexOf(']') + 1);
  return header.split(':')[0]!;
}

export async function startDashboard(opts: ServeOptions): Promise<Dashboard> {
  const dbPath = resolve(opts.dbPath);
  const host = opts.host ?? '127.0.0.1';
  const store = openReadOnly(dbPath);
  const journal = new Journal(store);
  const scripts = loadInlineScripts();
  const assets: Record<string, string> = {
    '/assets/vega.js': scripts.vega,
    '/assets/vega-lite.js': scripts.vegaLite,
    '/assets/vega-embed.js': scripts.vegaEmbed,
  };
  const shell = shellHtml(dbPath, scripts.versions);

  // δ shapes need the engine; each head's is computed once and kept (they are functions of the formula, not data).
  const deltaCache = new Map<string, Promise<DeltaView | string>>();
  const deltas: ViewContext['deltas'] = (id, params, candidate?: CandidateSpec) => {
    const key = JSON.stringify([id, params ?? null, candidate ?? null]);
    let hit = deltaCache.get(key);
    if (!hit) {
      hit = import('../report/delta.js').then(
        ({ computeDeltas }) =>
          computeDeltas(
            [id],
            new Map(params ? [[id, params]] : []),
            DEFAULT_BASELINE,
            new Map(candidate ? [[id, candidate]] : []),
          ),
        (e: unknown) =>
          `the engine could not be loaded (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`,
      );
      deltaCache.set(key, hit);
    }
    return hit;
  };

  let version = 0;
  let dataVersion = store.db.pragma('data_version', { simple: true }) as number;
  let snapshot: { version: number; overview: Overview } | null = null;
  const views = new Map<string, { version: number; view: Promise<View> }>();
  const current = (): Overview => {
    if (!snapshot || snapshot.version !== version) {
      journal.refresh();
      snapshot = { version, overview: overview(store, journal) };
    }
    return snapshot.overview;
  };
  const ctx = (): ViewContext => ({ store, journal, dbPath, baseline: DEFAULT_BASELINE, deltas });

  const clients = new Set<ServerResponse>();
  const send = (res: ServerResponse, event: string, data: unknown) =>
    res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  const poll = setInterval(() => {
    let v: number;
    try {
      v = store.db.pragma('data_version', { simple: true }) as number;
    } catch {
      return; // busy for a moment (a checkpoint): the next poll sees it
    }
    if (v === dataVersion) return;
    dataVersion = v;
    version += 1;
    for (const c of clients) send(c, 'change', { version });
  }, opts.pollMs ?? 500);
  // A comment every 15 s keeps proxies and idle timeouts from closing the event stream.
  const keepalive = setInterval(() => {
    for (const c of clients) c.write(': keepalive\n\n');
  }, 15_000);

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (LOOPBACK.has(host) && !LOOPBACK.has(hostName(req.headers.host))) {
      res.writeHead(403, { 'content-type': 'text/plain' });
      res.end('headroom serve answers only to localhost (start it with --host to serve other names)\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' });
      res.end('read-only\n');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(shell);
      return;
    }
    const asset = assets[url.pathname];
    if (asset !== undefined) {
      res.writeHead(200, {
        'content-type': 'text/javascript; charset=utf-8',
        'cache-control': 'max-age=3600',
      });
      res.end(asset);
      return;
    }
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204);
      res.end();
      return;
    }
    if (url.pathname === '/api/events') {
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
      });
      res.write('retry: 2000\n\n');
      send(res, 'change', { version });
      clients.add(res);
      req.on('close', () => clients.delete(res));
      return;
    }
    if (url.pathname === '/api/overview') {
      json(res, 200, { version, ...current() });
      return;
    }
    if (url.pathname === '/api/view') {
      const path = url.searchParams.get('path') ?? '/';
      const o = current();
      const nav = navHtml(o);
      try {
        let hit = views.get(path);
        if (!hit || hit.version !== version) {
          hit = { version, view: viewFor(ctx(), path, o) };
          views.set(path, hit);
          // Old versions of other paths are dropped: each path keeps its newest view only.
          if (views.size > 200) views.clear();
        }
        const view = await hit.view;
        json(res, 200, { version: hit.version, nav, ...view });
      } catch (e) {
        views.delete(path);
        // A name that matches nothing yet is a state of a live database (the grid may appear in a moment), not a
        // failed request: 200 with the reason, which the page shows until the view exists.
        if (e instanceof QueryError) json(res, 200, { version, nav, title: 'not found', error: e.message });
        else throw e;
      }
      return;
    }
    json(res, 404, { error: `no route ${url.pathname}` });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      const message = e instanceof Error ? e.message.split('\n')[0] : String(e);
      if (!res.headersSent) json(res, 500, { error: `internal error: ${message}` });
      else res.end();
    });
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port ?? 8742, host, () => {
      server.off('error', fail);
      ok();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/`,
    port,
    close: async () => {
      clearInterval(poll);
      clearInterval(keepalive);
      for (const c of clients) c.end();
      clients.clear();
      await new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      });
      store.close();
    },
  };
}
