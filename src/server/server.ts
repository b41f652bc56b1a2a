// `selfguide serve`: the API contract over HTTP (POST /api/<method>) and WebSocket (/events), the
// built renderer, and image assets by id. Bound to loopback; every request needs the session token.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { AssetKind } from '../shared/api.ts';
import { ApiFailure, type Service } from '../core/api/service.ts';
import { relayOtherProcessJobs } from '../core/jobs/other-process-jobs.ts';
import { readAsset } from '../core/library/assets.ts';
import { parseMaskPath, readMaskAsset } from '../core/labels/mask-asset.ts';
import { parseGenerationPath, readGenerationAsset } from '../core/sample/generation-asset.ts';
import { readPreviewAt } from '../core/train/run-files.ts';
import { readEvaluationGrid } from '../core/evaluate/evaluation-grid.ts';
import { TOKEN_COOKIE, isLoopbackHost, newToken, presentedToken, tokenMatches } from './auth.ts';
import { staticFile } from './static-files.ts';

export interface ServerOptions {
  port?: number;
  token?: string;
  /** Folder of the built renderer; without it only the API is served. */
  rendererDir?: string | null;
}

export interface RunningServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';
const MAX_BODY_BYTES = 1 << 20;
/** /files/mask/<run>/<image id>: a segment map (see SelfguideClient.maskUrl). */
const MASK_PREFIX = '/files/mask/';
/** /files/generation/<generation id>/<index|preview>: a generated PNG (see SelfguideClient.generationUrl). */
const GENERATION_PREFIX = '/files/generation/';
/** /files/train/<run id>/<preview file>: a training run's preview grid (see SelfguideClient.trainPreviewUrl). */
const TRAIN_PREFIX = '/files/train/';
/** /files/evaluation/<evaluation id>/<grid>: an evaluation's sample grid (see SelfguideClient.evaluationGridUrl). */
const EVALUATION_PREFIX = '/files/evaluation/';
const STATUS: Record<ApiFailure['code'], number> = { bad_request: 400, not_found: 404, conflict: 409, internal: 500 };
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

export async function startServer(service: Service, options: ServerOptions = {}): Promise<RunningServer> {
  const token = options.token ?? newToken();
  let port = 0;
  const authorized = (request: IncomingMessage) => isLoopbackHost(request, port) && tokenMatches(presentedToken(request), token);

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => sendJson(response, 500, { error: { code: 'internal', message: String(error) } }));
  });
  const sockets = new WebSocketServer({ noServer: true });
  server.on('upgrade', (request, socket, head) => {
    if (!authorized(request) || new URL(request.url ?? '/', 'http://x').pathname !== '/events') {
      socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
      return;
    }
    sockets.handleUpgrade(request, socket, head, (client) => sockets.emit('connection', client));
  });
  const broadcast = (event: unknown) => {
    const text = JSON.stringify(event);
    for (const client of sockets.clients) client.send(text);
  };
  service.runner.events.on('event', broadcast);
  const stopRelay = relayOtherProcessJobs(service.project, service.runner); // e.g. a `selfguide train` in a shell

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (!authorized(request)) {
      response.writeHead(401, { 'content-type': 'text/plain; charset=utf-8' });
      response.end('selfguide: open the URL printed by `selfguide serve` (it carries the access token).\n');
      return;
    }
    const url = new URL(request.url ?? '/', `http://${HOST}`);
    if (url.searchParams.has('token')) {
      // Remember the token in a cookie so images and reloads work without it in every URL.
      response.setHeader('set-cookie', `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`);
    }
    if (url.pathname.startsWith('/api/')) return handleApi(url.pathname.slice(5), request, response);
    if (url.pathname.startsWith(MASK_PREFIX)) return handleMask(url.pathname.slice(MASK_PREFIX.length), response);
    if (url.pathname.startsWith(GENERATION_PREFIX)) return handleGeneration(url.pathname.slice(GENERATION_PREFIX.length), response);
    if (url.pathname.startsWith(TRAIN_PREFIX)) return handleTrainPreview(url.pathname.slice(TRAIN_PREFIX.length), response);
    if (url.pathname.startsWith(EVALUATION_PREFIX)) return handleEvaluationGrid(url.pathname.slice(EVALUATION_PREFIX.length), response);
    if (url.pathname.startsWith('/files/')) return handleAsset(url.pathname, response);
    if (request.method !== 'GET') return sendJson(response, 405, { error: { code: 'bad_request', message: 'GET only' } });
    const file = options.rendererDir ? await staticFile(options.rendererDir, url.pathname) : null;
    if (!file) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      response.end(options.rendererDir ? 'not found\n' : 'The renderer is not built; run `npm run build` first.\n');
      return;
    }
    response.writeHead(200, { 'content-type': file.mime, 'content-security-policy': CSP, 'cache-control': 'no-cache' });
    response.end(file.data);
  }

  async function handleApi(method: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method !== 'POST') return sendJson(response, 405, { error: { code: 'bad_request', message: 'POST only' } });
    let input: unknown;
    try {
      input = JSON.parse((await readBody(request)) || '{}');
    } catch (error) {
      return sendJson(response, 400, { error: { code: 'bad_request', message: `Request body is not JSON: ${String(error)}` } });
    }
    try {
      sendJson(response, 200, { result: await service.dispatch(method, input) });
    } catch (error) {
      const failure = error instanceof ApiFailure ? error : new ApiFailure('internal', String(error));
      sendJson(response, STATUS[failure.code], { error: { code: failure.code, message: failure.message } });
    }
  }

  async function handleAsset(pathname: string, response: ServerResponse): Promise<void> {
    const [, , kindText, idText] = pathname.split('/');
    const kind = AssetKind.safeParse(kindText);
    const id = Number(idText);
    const asset = kind.success && Number.isInteger(id) && id > 0 ? await readAsset(service.project, kind.data, id) : null;
    if (!asset || 'missing' in asset) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      response.end(`${asset?.missing ?? 'no such image in this project'}\n`);
      return;
    }
    response.writeHead(200, { 'content-type': asset.mime, 'cache-control': 'private, max-age=3600' });
    response.end(asset.data);
  }

  async function handleMask(tail: string, response: ServerResponse): Promise<void> {
    const { runId, imageId } = parseMaskPath(tail);
    const asset = await readMaskAsset(service.project, runId, imageId);
    if (!asset) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      response.end('no such segment map in this project\n');
      return;
    }
    // A recompute rewrites the map under the same URL: revalidate instead of caching.
    response.writeHead(200, { 'content-type': asset.mime, 'cache-control': 'no-cache' });
    response.end(asset.data);
  }

  async function handleGeneration(tail: string, response: ServerResponse): Promise<void> {
    const target = parseGenerationPath(tail);
    const asset = target ? await readGenerationAsset(service.project, target.generationId, target.file) : null;
    if (!asset) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      response.end('no such generated image in this project\n');
      return;
    }
    // The preview is rewritten under one URL while sampling; finished images never change.
    response.writeHead(200, { 'content-type': asset.mime, 'cache-control': target?.file === 'preview' ? 'no-store' : 'private, max-age=3600' });
    response.end(asset.data);
  }

  // A preview grid's name carries its step, and a finished evaluation's grids are never rewritten: both cacheable.
  function handleTrainPreview(tail: string, response: ServerResponse): void {
    sendGrid(response, readPreviewAt(service.project, tail), 'no such preview of a training run in this project');
  }

  function handleEvaluationGrid(tail: string, response: ServerResponse): void {
    sendGrid(response, readEvaluationGrid(service.project, tail), 'no such sample grid of an evaluation in this project');
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, HOST, resolve);
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://${HOST}:${port}/?token=${token}`,
    port,
    token,
    async close() {
      service.runner.events.off('event', broadcast);
      stopRelay();
      for (const client of sockets.clients) client.terminate();
      sockets.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function sendGrid(response: ServerResponse, png: Buffer | null, notFound: string): void {
  if (!png) {
    response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    response.end(`${notFound}\n`);
    return;
  }
  response.writeHead(200, { 'content-type': 'image/png', 'cache-control': 'private, max-age=3600' });
  response.end(png);
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify(body));
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('request body too large'));
        request.destroy();
      } else chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}
