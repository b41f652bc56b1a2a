// A project made through the real CLI for the Clusters view: images, the tiny ViT's features, ground
// truth from the folder names, and one clustering run.
import { fileURLToPath } from 'node:url';
import { selfguide } from './cli.ts';

export const TINY_VIT = fileURLToPath(new URL('../../fixtures/vit-tiny.onnx', import.meta.url));

export async function clusteredProject(projectDir: string, photos: string, k: number, seed = 5): Promise<void> {
  await selfguide('init', projectDir);
  await selfguide('scan', '-p', projectDir, photos, '--json');
  await selfguide('models', 'import', TINY_VIT, '--activate', '--project', projectDir, '--json');
  await selfguide('features', '--project', projectDir, '--batch', '32', '--quiet', '--json');
  await selfguide('labels', 'import', '--from-folders', '--project', projectDir, '--json');
  await selfguide('cluster', '--project', projectDir, '--k', String(k), '--seed', String(seed), '--quiet', '--json');
}

/** Calls the served API from the test (as the page would, with the session token). */
export async function apiCall<T>(server: { origin: string; token: string }, method: string, input: unknown): Promise<T> {
  const response = await fetch(`${server.origin}/api/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-selfguide-token': server.token },
    body: JSON.stringify(input),
  });
  const body = (await response.json()) as { result?: T; error?: { message: string } };
  if (!response.ok || body.error) throw new Error(`${method}: ${body.error?.message ?? response.status}`);
  return body.result as T;
}
