import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DownloadError, downloadPinned } from '../../src/core/models/download.ts';
import { OfflineError, downloadModel } from '../../src/core/models/download-model.ts';
import { ModelRegistry } from '../../src/core/models/registry.ts';
import { createProject, type Project } from '../../src/core/project/project.ts';
import { TINY_VIT, TINY_VIT_SIDECAR } from '../support/models.ts';
import { tempDir } from '../support/temp.ts';

const BYTES = readFileSync(TINY_VIT);
const SHA256 = createHash('sha256').update(BYTES).digest('hex');

/** A local file server: answers Range requests, and cuts the next `breakNext` transfers halfway. */
function fileServer() {
  const requests: { path: string; range: string | null }[] = [];
  const state = { breakNext: 0 };
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const range = request.headers.range ?? null;
    requests.push({ path: request.url ?? '', range });
    const start = range ? Number(/bytes=(\d+)-/.exec(range)?.[1]) : 0;
    const body = BYTES.subarray(start);
    response.writeHead(range ? 206 : 200, {
      'content-length': body.length,
      ...(range ? { 'content-range': `bytes ${start}-${BYTES.length - 1}/${BYTES.length}` } : {}),
    });
    if (state.breakNext > 0) {
      state.breakNext--;
      response.write(body.subarray(0, Math.floor(body.length / 2)), () => response.destroy());
      return;
    }
    response.end(body);
  });
  return { server, requests, state };
}

describe('pinned model download', () => {
  const root = tempDir();
  const { server, requests, state } = fileServer();
  let base: string;
  let project: Project;

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    project = createProject(join(root, 'project'));
    const manifest = join(root, 'manifest.json');
    const sidecar = JSON.parse(readFileSync(TINY_VIT_SIDECAR, 'utf8')) as unknown;
    writeFileSync(
      manifest,
      JSON.stringify({
        models: [
          { id: 'tiny', url: `${base}/tiny.onnx`, sha256: SHA256, bytes: BYTES.length, sidecar },
          { id: 'tampered', url: `${base}/tampered.onnx`, sha256: 'f'.repeat(64), bytes: BYTES.length },
        ],
      }),
    );
    project.settings.set('modelManifest', manifest);
  });

  afterAll(async () => {
    project.close();
    await new Promise((resolve) => server.close(resolve));
  });

  it('resumes a broken transfer with a Range request and keeps the partial file between runs', async () => {
    state.breakNext = 1;
    requests.length = 0;
    const dest = join(root, 'direct.onnx');
    const file = { url: `${base}/direct.onnx`, sha256: SHA256, bytes: BYTES.length };
    await expect(downloadPinned(file, dest, { attempts: 1 })).rejects.toThrow(/download of .* failed/);
    const partial = statSync(`${dest}.part`).size;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(BYTES.length);
    expect(existsSync(dest)).toBe(false);

    expect(await downloadPinned(file, dest)).toBe(true);
    expect(requests.map((request) => request.range)).toEqual([null, `bytes=${partial}-`]);
    expect(readFileSync(dest).equals(BYTES)).toBe(true);
    expect(existsSync(`${dest}.part`)).toBe(false);
  });

  it('downloads a manifest model, retrying a cut transfer, and registers it validated', async () => {
    state.breakNext = 1;
    requests.length = 0;
    const progress: number[] = [];
    const model = await downloadModel(project, 'tiny', { retryDelayMs: 1, onProgress: (received) => progress.push(received) });
    expect(model).toMatchObject({ id: 'tiny', sha256: SHA256, embedDim: 64, arch: 'vit_tiny16', source: expect.stringContaining(base) });
    expect(requests).toHaveLength(2);
    expect(requests[1]?.range).toMatch(/^bytes=\d+-$/);
    expect(progress.at(-1)).toBe(BYTES.length);
    expect(readdirSync(join(project.root, 'models'))).toEqual(['tiny.onnx']);
    expect(readFileSync(join(project.root, 'models', 'tiny.onnx')).equals(BYTES)).toBe(true);
  });

  it('fetches a registered model again when its file went missing, and not when it is there', async () => {
    requests.length = 0;
    expect(await downloadModel(project, 'tiny', { retryDelayMs: 1 })).toMatchObject({ id: 'tiny' });
    expect(requests).toHaveLength(0);
    rmSync(join(project.root, 'models', 'tiny.onnx'));
    expect(await downloadModel(project, 'tiny', { retryDelayMs: 1 })).toMatchObject({ id: 'tiny', sha256: SHA256 });
    expect(requests.length).toBeGreaterThan(0);
    expect(readFileSync(join(project.root, 'models', 'tiny.onnx')).equals(BYTES)).toBe(true);
  });

  it('rejects a file whose sha256 is not the pinned one: nothing registered, the temp file removed', async () => {
    state.breakNext = 0;
    await expect(downloadModel(project, 'tampered', { retryDelayMs: 1 })).rejects.toThrow(DownloadError);
    await expect(downloadModel(project, 'tampered', { retryDelayMs: 1 })).rejects.toThrow(/does not match its pinned sha256/);
    expect(new ModelRegistry(project).find('tampered')).toBeNull();
    expect(readdirSync(join(project.root, 'models'))).toEqual(['tiny.onnx']);
  });

  it('refuses to download in offline mode without touching the network', async () => {
    project.settings.set('offline', true);
    requests.length = 0;
    await expect(downloadModel(project, 'tiny')).rejects.toThrow(OfflineError);
    expect(requests).toHaveLength(0);
    project.settings.set('offline', false);
  });
});
