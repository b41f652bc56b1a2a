// Registers a local .onnx file: reads its sidecar if any, proves it runs and honours the output
// contract by opening a real session, then places it under <project>/models/ (temp file, then rename).
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { copyFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { type ModelInfo, type ModelMetadata, ModelId } from '../../shared/models.ts';
import type { Project } from '../project/project.ts';
import { ModelError, inspectOutputs, openSession } from './onnx-session.ts';
import { ModelRegistry, modelsDir } from './registry.ts';
import { DEFAULT_PREPROCESSING, type SidecarFacts, parseSidecar } from './sidecar.ts';
import { sha256File } from './sha256-file.ts';

export interface ImportRequest {
  file: string;
  /** The trainer's model.json; by default NAME.json (or model.json) beside the file, when present. */
  sidecar?: string | null;
  id?: string | null;
  /** Where the file came from, when the sidecar does not say (e.g. the download URL). */
  source?: string | null;
  /** Move instead of copy (the file is ours: a finished download). */
  move?: boolean;
}

export async function importModel(project: Project, request: ImportRequest): Promise<ModelInfo> {
  const { file } = request;
  if (!existsSync(file) || !statSync(file).isFile()) throw new ModelError(`No such file: ${file}`);
  const sidecarFile = request.sidecar ?? defaultSidecar(file);
  const facts = sidecarFile ? parseSidecar(readJson(sidecarFile), sidecarFile) : null;
  const id = parseId(request.id ?? facts?.id ?? basename(file, extname(file)));

  const sha256 = await sha256File(file);
  if (facts?.sha256 && facts.sha256 !== sha256) {
    throw new ModelError(`${sidecarFile} describes another file (sha256 ${facts.sha256.slice(0, 12)}…, this one is ${sha256.slice(0, 12)}…)`);
  }
  const registry = new ModelRegistry(project);
  const existing = registry.find(id);
  if (existing) {
    if (existing.sha256 !== sha256) throw new ModelError(`A different model is already registered as "${id}"; import this one under another id (--id).`);
    // The same model again: it puts back a file that went missing (the features job says to).
    const registered = registry.filePath(id);
    if (!existsSync(registered)) await placeFile(file, dirname(registered), basename(registered), request.move ?? false);
    return existing;
  }

  const metadata = await validate(file, facts, request.source ?? null);
  const target = `${id}.onnx`;
  await placeFile(file, modelsDir(project), target, request.move ?? false);
  return registry.add({ id, file: target, sha256, bytes: statSync(join(modelsDir(project), target)).size, metadata });
}

/** Copies (or moves) the model into the project's models folder, whole or not at all. */
async function placeFile(file: string, dir: string, target: string, move: boolean): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const temp = join(dir, `.${target}.${process.pid}.tmp`);
  try {
    if (move) await rename(file, temp).catch(() => copyFile(file, temp));
    else await copyFile(file, temp);
    await rename(temp, join(dir, target));
  } finally {
    await rm(temp, { force: true });
  }
}

/** Opens a CPU session (available everywhere) and derives the metadata the registry stores. */
async function validate(file: string, facts: SidecarFacts | null, source: string | null): Promise<ModelMetadata> {
  const preprocessing = facts?.preprocessing ?? DEFAULT_PREPROCESSING;
  let session: Awaited<ReturnType<typeof openSession>>;
  try {
    session = await openSession(file, 'cpu');
  } catch (error) {
    throw new ModelError(`${file} is not a loadable ONNX model: ${String(error).split('\n')[0]}`);
  }
  try {
    const outputs = await inspectOutputs(session, preprocessing);
    const [embedDim = 0] = outputs.cls;
    const tokens = outputs.patches[0] ?? 0;
    const patchSize = facts?.patchSize ?? inferPatchSize(preprocessing.width, preprocessing.height, tokens);
    const expectedTokens = Math.floor(preprocessing.height / patchSize) * Math.floor(preprocessing.width / patchSize);
    if (facts && (facts.embedDim !== embedDim || expectedTokens !== tokens)) {
      throw new ModelError(
        `the sidecar says D = ${facts.embedDim}, patch ${facts.patchSize} (${expectedTokens} tokens) but the model gives ` +
          `D = ${embedDim} and ${tokens} tokens at ${preprocessing.width}×${preprocessing.height}`,
      );
    }
    return {
      arch: facts?.arch ?? null,
      patchSize,
      embedDim,
      outputs,
      preprocessing,
      source: source ?? facts?.source ?? `imported from ${file}`,
      license: facts?.license ?? null,
    };
  } catch (error) {
    if (error instanceof ModelError) throw new ModelError(`${file}: ${error.message}`);
    throw error;
  } finally {
    await session.release().catch(() => undefined);
  }
}

function inferPatchSize(width: number, height: number, tokens: number): number {
  const patch = Math.sqrt((width * height) / tokens);
  if (!Number.isInteger(patch) || Math.floor(width / patch) * Math.floor(height / patch) !== tokens) {
    throw new ModelError(`cannot tell the patch size (${tokens} tokens at ${width}×${height}); give the model's sidecar (--sidecar)`);
  }
  return patch;
}

function defaultSidecar(file: string): string | null {
  const beside = join(dirname(file), `${basename(file, extname(file))}.json`);
  return existsSync(beside) ? beside : null;
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (error) {
    throw new ModelError(`cannot read the sidecar ${file}: ${String(error)}`);
  }
}

function parseId(id: string): string {
  const parsed = ModelId.safeParse(id);
  if (!parsed.success) throw new ModelError(`"${id}" is not a valid model id: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}
