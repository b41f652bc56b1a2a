// Generated PNGs for the renderer, looked up by generation id and image index (or "preview"): only
// files of generations recorded in the project can be read through here, never an arbitrary path.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GenerationFile } from '../../shared/generations.ts';
import type { Project } from '../project/project.ts';
import { generationFile } from './generation-store.ts';

/** "<generation id>/<index|preview>" as the transports' URLs carry it; null when malformed. */
export function parseGenerationPath(tail: string): { generationId: number; file: GenerationFile } | null {
  const match = /^(\d{1,12})\/(\d{1,4}|preview)$/.exec(tail);
  if (!match) return null;
  const file = GenerationFile.safeParse(match[2] === 'preview' ? 'preview' : Number(match[2]));
  return file.success ? { generationId: Number(match[1]), file: file.data } : null;
}

export async function readGenerationAsset(project: Project, generationId: number, file: GenerationFile): Promise<{ mime: string; data: Buffer } | null> {
  const row = project.db.prepare('SELECT images FROM generations WHERE id = ?').get(generationId) as { images: number } | undefined;
  if (!row || (file !== 'preview' && file >= row.images)) return null;
  const data = await readFile(join(project.root, generationFile(generationId, file))).catch(() => null);
  return data ? { mime: 'image/png', data } : null;
}
