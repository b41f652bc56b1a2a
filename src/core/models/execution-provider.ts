// Chooses the execution provider by opening a real session on a tiny model with each candidate and
// running it: a provider that is listed but whose libraries are missing fails here, not mid-job.
// Call it inside the process that will run inference (a worker), never in the UI process.
import { ort } from './runtime.ts';
import type { ProviderReport } from '../../shared/models.ts';
import { firstLine } from '../ingest/decode.ts';
import { PROBE_MODEL } from './probe-model.ts';

/** Accelerated providers worth trying on each platform, best first; CPU is always the last resort. */
const ACCELERATORS: Record<string, string[]> = {
  linux: ['cuda'],
  win32: ['cuda', 'dml'],
  darwin: ['coreml'],
};

/** Set to a provider name (e.g. "cpu") to skip probing the others. */
export const PROVIDER_ENV = 'SELFGUIDE_EXECUTION_PROVIDER';

let cached: Promise<ProviderReport> | null = null;

/** Probes once per process; later calls get the same report. */
export function chooseExecutionProvider(): Promise<ProviderReport> {
  cached ??= probeProviders(candidates());
  return cached;
}

export function candidates(platform = process.platform, forced = process.env[PROVIDER_ENV]): string[] {
  if (forced) return [forced];
  const listed = new Set(ort.listSupportedBackends().map((backend) => backend.name));
  // The names the runtime lists for CUDA/DirectML/CoreML; 'dml' is listed as 'dml' on Windows builds.
  return [...(ACCELERATORS[platform] ?? []).filter((name) => listed.has(name)), 'cpu'];
}

export async function probeProviders(names: string[]): Promise<ProviderReport> {
  const tried: ProviderReport['tried'] = [];
  for (const name of names) {
    const error = await probeOne(name);
    tried.push({ name, ok: error === null, error });
    if (error === null) return { provider: name, tried, onnxruntime: ort.env.versions.node ?? 'unknown' };
  }
  throw new Error(`No ONNX Runtime execution provider works here: ${tried.map((t) => `${t.name}: ${t.error}`).join('; ')}`);
}

async function probeOne(name: string): Promise<string | null> {
  let session: ort.InferenceSession | null = null;
  try {
    session = await ort.InferenceSession.create(PROBE_MODEL, { executionProviders: [name], logSeverityLevel: 4 });
    const x = Float32Array.from({ length: 8 }, (_, i) => i + 1);
    const { y } = await session.run({ x: new ort.Tensor('float32', x, [1, 8]) });
    const out = y?.data as Float32Array | undefined;
    if (!out || out.some((value, i) => value !== x[i])) return 'the probe model ran but returned wrong numbers';
    return null;
  } catch (error) {
    return firstLine(error);
  } finally {
    await session?.release().catch(() => undefined);
  }
}
