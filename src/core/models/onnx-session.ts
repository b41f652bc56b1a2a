// Opens an encoder's ONNX Runtime session and checks it honours the contract of SPEC §1:
// input `pixels` [B, 3, H, W] float32; outputs `cls` [B, D], `patches` [B, N, D], `keys` [B, N, Dk].
import { ort } from './runtime.ts';
import type { ModelMetadata, Preprocessing } from '../../shared/models.ts';

export const INPUT_NAME = 'pixels';
export const OUTPUT_NAMES = ['cls', 'patches', 'keys'] as const;

export class ModelError extends Error {
  override name = 'ModelError';
}

export interface SessionTuning {
  /**
   * Whether ORT's intra-op threads busy-wait between operators (its default). Off when other work
   * (decoding the next batch) must share the cores: spinning threads would take its CPU time.
   */
  spinning?: boolean;
  /** ORT intra-op threads (default: one per core); benchmarks pin it to compare with PyTorch alike. */
  threads?: number;
}

export async function openSession(file: string | Uint8Array, provider: string, tuning: SessionTuning = {}): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(file as string, {
    executionProviders: [provider],
    graphOptimizationLevel: 'all',
    ...(tuning.threads ? { intraOpNumThreads: tuning.threads } : {}),
    ...(tuning.spinning === false ? { extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } } } : {}),
  });
}

/** Runs one blank image through the session and returns the per-image output shapes, or says what is wrong. */
export async function inspectOutputs(session: ort.InferenceSession, pre: Preprocessing): Promise<ModelMetadata['outputs']> {
  if (!session.inputNames.includes(INPUT_NAME)) {
    throw new ModelError(`the model has no input named "${INPUT_NAME}" (it has: ${session.inputNames.join(', ')})`);
  }
  const missing = OUTPUT_NAMES.filter((name) => !session.outputNames.includes(name));
  if (missing.length > 0) {
    throw new ModelError(
      `the model lacks the output(s) ${missing.map((name) => `"${name}"`).join(', ')} (it has: ${session.outputNames.join(', ')}); ` +
        'export it with `python -m selfguide_trainer export-vit` to get cls, patches and keys',
    );
  }
  const pixels = new ort.Tensor('float32', new Float32Array(3 * pre.height * pre.width), [1, 3, pre.height, pre.width]);
  let result: ort.InferenceSession.OnnxValueMapType;
  try {
    result = await session.run({ [INPUT_NAME]: pixels });
  } catch (error) {
    throw new ModelError(`the model does not run on a 1×3×${pre.height}×${pre.width} float32 input: ${String(error)}`);
  }
  const dims = (name: string) => [...(result[name]?.dims ?? [])];
  const [cls, patches, keys] = [dims('cls'), dims('patches'), dims('keys')];
  const wellFormed =
    cls.length === 2 && cls[0] === 1 &&
    patches.length === 3 && patches[0] === 1 && (patches[1] ?? 0) > 0 && patches[2] === cls[1] &&
    keys.length === 3 && keys[0] === 1 && keys[1] === patches[1];
  if (!wellFormed) {
    throw new ModelError(
      `unexpected output shapes cls [${cls}], patches [${patches}], keys [${keys}]; expected [1, D], [1, N, D], [1, N, Dk]`,
    );
  }
  return { cls: cls.slice(1), patches: patches.slice(1), keys: keys.slice(1) };
}
