import { describe, expect, it } from 'vitest';
import { InferenceError, RecoveringSession, type SessionLike } from '../../src/core/features/recovering-session.ts';

/** Sessions that fail on their first `failures` runs overall, then answer; counts opens and releases. */
function sessions(failures: number) {
  const log = { opened: 0, released: 0, runs: 0 };
  const open = async (): Promise<SessionLike> => {
    log.opened++;
    return {
      run: (async () => {
        if (log.runs++ < failures) throw new Error('native session died');
        return { cls: { data: new Float32Array([1, 2]) } };
      }) as unknown as SessionLike['run'],
      release: async () => void log.released++,
    };
  };
  return { open, log };
}

describe('recovering inference session', () => {
  it('recreates the session after a failed run and retries the batch once', async () => {
    const { open, log } = sessions(1);
    const session = await RecoveringSession.create(open);
    const out = await session.run({}, ['cls']);
    expect(out.cls?.data).toEqual(new Float32Array([1, 2]));
    expect(log).toMatchObject({ opened: 2, released: 1, runs: 2 });
    expect(session.restarts).toBe(1);
  });

  it('gives up after the retry fails too, naming both errors', async () => {
    const { open } = sessions(2);
    const session = await RecoveringSession.create(open);
    await expect(session.run({}, ['cls'])).rejects.toThrow(InferenceError);
    const next = await session.run({}, ['cls']);
    expect(next.cls?.data).toEqual(new Float32Array([1, 2]));
  });
});
