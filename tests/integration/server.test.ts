import { mkdirSync, realpathSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createService } from '../../src/core/api/service.ts';
import { JobRunner } from '../../src/core/jobs/job-runner.ts';
import { createProject, type Project } from '../../src/core/project/project.ts';
import { type RunningServer, startServer } from '../../src/server/server.ts';
import type { ApiEvent } from '../../src/shared/api.ts';
import { spawnSelfguide } from '../support/cli.ts';
import { pixels, writeBrokenFiles } from '../support/images.ts';
import { tempDir } from '../support/temp.ts';

/** A raw request, so tests can send any Host header. */
function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Buffer; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks), headers: response.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('selfguide serve', () => {
  const root = tempDir();
  const photos = join(root, 'photos');
  let project: Project;
  let runner: JobRunner;
  let server: RunningServer;
  const base = () => `http://127.0.0.1:${server.port}`;
  const call = (method: string, input: unknown, token: string | null = server.token) =>
    fetch(`${base()}/api/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { 'x-selfguide-token': token } : {}) },
      body: JSON.stringify(input),
    });

  beforeAll(async () => {
    mkdirSync(photos);
    for (let i = 0; i < 4; i++) await pixels(48, 32, i).jpeg().toFile(join(photos, `p${i}.jpg`));
    await writeBrokenFiles(photos);
    project = createProject(join(root, 'project'));
    runner = new JobRunner(project);
    server = await startServer(createService(project, runner));
  });
  afterAll(async () => {
    await server.close();
    await runner.stop();
    project.close();
  });

  it('listens on loopback only and prints a URL with a token', () => {
    expect(server.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${server.port}/\\?token=[A-Za-z0-9_-]{32}$`));
  });

  it('refuses requests without the token, with a wrong one, or for another host name', async () => {
    expect((await call('project.info', {}, null)).status).toBe(401);
    expect((await call('project.info', {}, 'wrong-token')).status).toBe(401);
    expect((await get(server.port, '/files/thumb/1')).status).toBe(401);
    const rebinding = await get(server.port, `/?token=${server.token}`, { host: `evil.example:${server.port}` });
    expect(rebinding.status).toBe(401);
    const ok = await call('project.info', {});
    expect(ok.status).toBe(200);
  });

  it('remembers the token in an HttpOnly cookie after the first page load', async () => {
    const first = await get(server.port, `/api-does-not-matter?token=${server.token}`);
    expect(String(first.headers['set-cookie'])).toContain('HttpOnly');
    const withCookie = await get(server.port, '/files/thumb/999999', { cookie: `selfguide_token=${server.token}` });
    expect(withCookie.status).toBe(404); // authorised, but no such image
  });

  it('validates inputs and names unknown methods', async () => {
    const bad = await call('images.list', { offset: -1, limit: 5 });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('bad_request');
    expect((await call('no.such.method', {})).status).toBe(404);
    const missingFolder = await call('folders.add', { path: join(root, 'nope') });
    expect(missingFolder.status).toBe(400);
  });

  it('adds a folder, streams job events over the WebSocket, and pages the library', async () => {
    const socket = new WebSocket(`ws://127.0.0.1:${server.port}/events?token=${server.token}`);
    await new Promise((resolve) => socket.once('open', resolve));
    const events: ApiEvent[] = [];
    socket.on('message', (data) => events.push(JSON.parse(String(data)) as ApiEvent));
    const job = ((await (await call('folders.add', { path: photos })).json()) as { result: { id: number } }).result;
    await runner.waitFor(job.id);
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.close();
    expect(events.some((event) => event.type === 'job' && event.job.id === job.id && event.job.state === 'done')).toBe(true);
    expect(events.some((event) => event.type === 'library.changed')).toBe(true);

    const page = (await (await call('images.list', { offset: 0, limit: 3, status: 'all' })).json()) as { result: { total: number; items: { id: number }[] } };
    expect(page.result.total).toBe(8);
    expect(page.result.items).toHaveLength(3);
    const broken = (await (await call('images.list', { offset: 0, limit: 50, status: 'broken' })).json()) as { result: { total: number } };
    expect(broken.result.total).toBe(4);
  });

  it('refuses a relative folder, and one inside or holding a registered folder, as bad requests that say why', async () => {
    mkdirSync(join(photos, 'sub'), { recursive: true });
    const refusal = async (path: string) => {
      const response = await call('folders.add', { path });
      expect(response.status).toBe(400);
      const { error } = (await response.json()) as { error: { code: string; message: string } };
      expect(error.code).toBe('bad_request');
      return error.message;
    };
    // The server's working directory means nothing to the person at the browser.
    expect(await refusal('photos')).toContain('must be an absolute path');
    expect(await refusal(join(photos, 'sub'))).toContain(`inside the registered folder #1 ${realpathSync(photos)}`);
    expect(await refusal(root)).toContain(`holds the registered folder #1 ${realpathSync(photos)}`);
    const folders = (await (await call('folders.list', {})).json()) as { result: { path: string }[] };
    expect(folders.result.map((folder) => folder.path)).toEqual([realpathSync(photos)]);
  });

  it('streams the progress of a job another process runs on the project (the CLI beside the app)', async () => {
    const more = join(root, 'more');
    mkdirSync(more);
    for (let i = 0; i < 3; i++) await pixels(40, 30, 10 + i).png().toFile(join(more, `m${i}.png`));
    const socket = new WebSocket(`ws://127.0.0.1:${server.port}/events?token=${server.token}`);
    await new Promise((resolve) => socket.once('open', resolve));
    const events: ApiEvent[] = [];
    socket.on('message', (data) => events.push(JSON.parse(String(data)) as ApiEvent));
    const child = spawnSelfguide(['scan', '-p', join(root, 'project'), more, '--quiet']);
    expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(0);
    const scanDone = () => events.some((event) => event.type === 'job' && event.job.kind === 'scan' && event.job.state === 'done' && !runner.handles(event.job.id));
    await expect.poll(scanDone, { timeout: 5000 }).toBe(true);
    socket.close();
  });

  it('refuses a WebSocket without the token', async () => {
    const socket = new WebSocket(`ws://127.0.0.1:${server.port}/events`);
    const outcome = await new Promise<string>((resolve) => {
      socket.once('open', () => resolve('open'));
      socket.once('error', () => resolve('refused'));
    });
    expect(outcome).toBe('refused');
  });

  it('serves thumbnails and previews of registered images only', async () => {
    const list = (await (await call('images.list', { offset: 0, limit: 50, status: 'ok' })).json()) as { result: { items: { id: number }[] } };
    const id = list.result.items[0]?.id as number;
    const headers = { 'x-selfguide-token': server.token };
    const thumb = await get(server.port, `/files/thumb/${id}`, headers);
    expect(thumb.status).toBe(200);
    expect(await sharp(thumb.body).metadata()).toMatchObject({ format: 'jpeg', width: 48, height: 32 });
    const preview = await get(server.port, `/files/preview/${id}`, headers);
    expect(preview.status).toBe(200);
    const unknown = await get(server.port, '/files/thumb/424242', headers);
    expect([unknown.status, unknown.body.toString()]).toEqual([404, 'no such image in this project\n']);
    // thumbs/ is a cache: a lost thumbnail is not "no such image", and says how to get it back.
    rmSync(project.thumbsDir, { recursive: true });
    const lost = await get(server.port, `/files/thumb/${id}`, headers);
    expect([lost.status, lost.body.toString()]).toEqual([404, `the thumbnail of image ${id} is missing from ${project.thumbsDir}; rescan the library (Rescan, or selfguide scan) to rebuild it\n`]);
    expect((await get(server.port, '/files/original/1', headers)).status).toBe(404);
    expect((await get(server.port, '/files/thumb/..%2F..%2F..%2Fetc%2Fpasswd', headers)).status).toBe(404);
    expect((await get(server.port, '/../../../../etc/passwd', headers)).body.toString()).not.toContain('root:');
  });
});
