// Classifier-free guidance (SPEC §6) as a thin wrapper that turns a conditional ε network into the
// EpsModel a sampler calls. The conditional and unconditional halves go through ONE batched ONNX call
// of 2B; the null condition is an all-zero vector and layout, as in training.
import type { DiffusionModel } from './diffusion-model.ts';
import type { GuidanceForm } from './model-spec.ts';
import type { EpsModel } from './sampler.ts';

export interface Condition {
  /** [B, k] */
  vector: Float32Array;
  /** [B, L, H, W], spatial models only */
  layout?: Float32Array;
}

/**
 * imagen: ε̃ = (1 − w)·ε∅ + w·εc (w = 0 unconditional, w = 1 conditional; the paper's default w = 2).
 * ho-salimans: ε̃ = (1 + w)·εc − w·ε∅ (w = 0 conditional); imagen w equals ho-salimans w − 1.
 */
export function combineGuidance(epsUncond: Float32Array, epsCond: Float32Array, w: number, form: GuidanceForm): Float32Array {
  const [u, c] = form === 'imagen' ? [1 - w, w] : [-w, 1 + w];
  return epsCond.map((ec, i) => u * (epsUncond[i] as number) + c * ec);
}

/** Which branches have a non-zero weight; skipping the other one changes nothing but the cost. */
export function neededBranches(w: number, form: GuidanceForm): { uncond: boolean; cond: boolean } {
  return form === 'imagen' ? { uncond: w !== 1, cond: w !== 0 } : { uncond: w !== 0, cond: true };
}

type EpsNetwork = Pick<DiffusionModel, 'predictEps' | 'conditional'>;

export function guidedEps(model: EpsNetwork, batch: number, cond: Condition | null, w: number, form: GuidanceForm = 'imagen'): EpsModel {
  if (!model.conditional) return (x, t) => model.predictEps({ batch, x, t });
  if (!cond) throw new RangeError('a conditional model needs a condition (an all-zero one is the null condition)');
  const nul: Condition = {
    vector: new Float32Array(cond.vector.length),
    ...(cond.layout ? { layout: new Float32Array(cond.layout.length) } : {}),
  };
  const branches = neededBranches(w, form);
  if (!branches.cond) return (x, t) => model.predictEps({ batch, x, t, ...nul });
  if (!branches.uncond) return (x, t) => model.predictEps({ batch, x, t, ...cond });
  const both = {
    vector: concat(nul.vector, cond.vector),
    ...(cond.layout && nul.layout ? { layout: concat(nul.layout, cond.layout) } : {}),
  };
  return async (x, t) => {
    const eps = await model.predictEps({ batch: 2 * batch, x: concat(x, x), t, ...both });
    return combineGuidance(eps.subarray(0, x.length), eps.subarray(x.length), w, form);
  };
}

function concat(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
