// A diffusion model on disk (model.onnx + model.json from `selfguide_trainer export`), opened as an
// ONNX Runtime session that predicts ε for a batch. Inputs follow the export contract: x_t [B, C, H, W],
// t [B] (timestep index as float), cond [B, k] when conditional, layout [B, L, H, W] when spatial.
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openSession, type SessionTuning } from '../models/onnx-session.ts';
import { ort } from '../models/runtime.ts';
import { DiffusionModelError, type DiffusionModelSpec, parseModelSpec } from './model-spec.ts';

export interface EpsInputs {
  batch: number;
  /** [B, C, H, W] */
  x: Float32Array;
  t: number;
  /** [B, k], only for conditional models; zeros are the null condition */
  vector?: Float32Array;
  /** [B, L, H, W], only for spatial models (box, mask) */
  layout?: Float32Array;
}

export interface DiffusionModel {
  readonly spec: DiffusionModelSpec;
  /** values per image: C·H·W */
  readonly imageSize: number;
  readonly conditional: boolean;
  readonly spatial: boolean;
  predictEps(inputs: EpsInputs): Promise<Float32Array>;
  close(): Promise<void>;
}

export interface LoadOptions extends SessionTuning {
  /** ONNX Runtime execution provider (default "cpu") */
  provider?: string;
}

/** Opens `dir/model.json` and the ONNX file it names (normally `dir/model.onnx`). */
export async function loadDiffusionModel(dir: string, options: LoadOptions = {}): Promise<DiffusionModel> {
  const jsonPath = join(dir, 'model.json');
  const spec = parseModelSpec(await explainMissing(jsonPath, () => readFile(jsonPath, 'utf8')), jsonPath);
  const onnxPath = join(dir, spec.onnx.file);
  await explainMissing(onnxPath, () => access(onnxPath)); // a clear message rather than ORT's
  let session: ort.InferenceSession;
  try {
    session = await openSession(onnxPath, options.provider ?? 'cpu', options);
  } catch (error) {
    throw new DiffusionModelError(`${onnxPath} is not a loadable ONNX model: ${(error as Error).message}`);
  }
  const { channels, resolution, conditioning } = spec;
  const conditional = conditioning.mode !== 'none';
  const spatial = conditioning.layout_channels > 0;
  const expected = ['x_t', 't', ...(conditional ? ['cond'] : []), ...(spatial ? ['layout'] : [])];
  if (session.inputNames.join() !== expected.join() || !session.outputNames.includes('eps')) {
    await session.release();
    throw new DiffusionModelError(
      `${onnxPath} has inputs [${session.inputNames.join(', ')}] and outputs [${session.outputNames.join(', ')}]; ` +
        `model.json (mode "${conditioning.mode}") needs inputs [${expected.join(', ')}] and an output "eps"`,
    );
  }
  const pixels = [channels, resolution, resolution];
  const imageSize = channels * resolution * resolution;

  const tensor = (name: string, data: Float32Array | undefined, dims: number[]) => {
    const size = dims.reduce((a, b) => a * b, 1);
    if (!data || data.length !== size) {
      throw new RangeError(`input "${name}" needs ${size} values for shape [${dims.join(', ')}], got ${data?.length ?? 'none'}`);
    }
    return new ort.Tensor('float32', data, dims);
  };

  return {
    spec,
    imageSize,
    conditional,
    spatial,
    async predictEps({ batch, x, t, vector, layout }) {
      const feeds: Record<string, ort.Tensor> = {
        x_t: tensor('x_t', x, [batch, ...pixels]),
        t: new ort.Tensor('float32', new Float32Array(batch).fill(t), [batch]),
      };
      if (conditional) feeds.cond = tensor('cond', vector, [batch, conditioning.vector_dim]);
      if (spatial) feeds.layout = tensor('layout', layout, [batch, conditioning.layout_channels, resolution, resolution]);
      const { eps } = await session.run(feeds);
      return eps!.data as Float32Array;
    },
    close: () => session.release(),
  };
}

async function explainMissing<T>(path: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new DiffusionModelError(
      missing
        ? `${path} is missing; a diffusion model folder holds model.json and model.onnx from \`python -m selfguide_trainer export\``
        : `cannot read ${path}: ${(error as Error).message}`,
    );
  }
}
