import { describe, expect, it } from 'vitest';
import type { EpsInputs } from '../../src/core/sample/diffusion-model.ts';
import { combineGuidance, guidedEps } from '../../src/core/sample/guidance.ts';

const epsU = Float32Array.from([1, -2, 0.5]);
const epsC = Float32Array.from([3, 4, -0.5]);

describe('guidance formula', () => {
  it.each([
    { form: 'imagen', w: 0, expected: [1, -2, 0.5] }, // unconditional
    { form: 'imagen', w: 1, expected: [3, 4, -0.5] }, // conditional
    { form: 'imagen', w: 2, expected: [5, 10, -1.5] }, // 2·εc − ε∅
    { form: 'imagen', w: 0.5, expected: [2, 1, 0] },
    { form: 'ho-salimans', w: 0, expected: [3, 4, -0.5] }, // conditional
    { form: 'ho-salimans', w: 1, expected: [5, 10, -1.5] }, // = imagen w = 2
    { form: 'ho-salimans', w: 3, expected: [9, 22, -3.5] }, // 4·εc − 3·ε∅
  ] as const)('$form, w = $w', ({ form, w, expected }) => {
    expect([...combineGuidance(epsU, epsC, w, form)]).toEqual(expected);
  });
});

/** A fake ε network that records its calls and answers ε = (sum of the image's condition) + t. */
function recordingNetwork(conditional = true) {
  const calls: EpsInputs[] = [];
  const network = {
    conditional,
    async predictEps(inputs: EpsInputs) {
      calls.push(inputs);
      const perImage = inputs.x.length / inputs.batch;
      const k = inputs.vector ? inputs.vector.length / inputs.batch : 0;
      return inputs.x.map((_, i) => {
        const b = Math.floor(i / perImage);
        return (inputs.vector?.subarray(b * k, (b + 1) * k).reduce((a, v) => a + v, 0) ?? 0) + inputs.t;
      });
    },
  };
  return { network, calls };
}

describe('guided ε over the network', () => {
  const batch = 2;
  const x = new Float32Array(batch * 3); // 2 images of 3 values
  const vector = Float32Array.from([1, 0, 0, 5]); // image 0 sums to 1, image 1 to 5
  const layout = Float32Array.from([1, 1, 0, 0, 0, 0, 1, 1]);

  it('runs both halves in ONE call of 2B: null condition first, zeros for vector and layout', async () => {
    const { network, calls } = recordingNetwork();
    const eps = await guidedEps(network, batch, { vector, layout }, 2)(x, 10);
    expect(calls).toHaveLength(1);
    const [call] = calls;
    expect(call!.batch).toBe(4);
    expect([...call!.vector!]).toEqual([0, 0, 0, 0, 1, 0, 0, 5]);
    expect([...call!.layout!]).toEqual([...new Array(8).fill(0), ...layout]);
    expect(call!.x.length).toBe(12);
    // ε∅ = 10, εc = 11 or 15: imagen w = 2 gives 2·εc − ε∅
    expect([...eps]).toEqual([12, 12, 12, 20, 20, 20]);
  });

  it('calls only the branch with a non-zero weight, with batch B', async () => {
    for (const [w, form, expectedVector] of [
      [0, 'imagen', [0, 0, 0, 0]],
      [1, 'imagen', [1, 0, 0, 5]],
      [0, 'ho-salimans', [1, 0, 0, 5]],
    ] as const) {
      const { network, calls } = recordingNetwork();
      await guidedEps(network, batch, { vector }, w, form)(x, 3);
      expect(calls.map((c) => c.batch)).toEqual([2]);
      expect([...calls[0]!.vector!]).toEqual(expectedVector);
    }
  });

  it('an unconditional model is called without a condition', async () => {
    const { network, calls } = recordingNetwork(false);
    const eps = await guidedEps(network, batch, null, 2)(x, 7);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.vector).toBeUndefined();
    expect([...eps]).toEqual(new Array(6).fill(7));
  });

  it('a conditional model without a condition is refused', () => {
    expect(() => guidedEps(recordingNetwork().network, batch, null, 2)).toThrow(/needs a condition/);
  });
});
