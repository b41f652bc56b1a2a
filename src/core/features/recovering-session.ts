// An inference session that survives a failed run: the session is released and recreated, and the
// batch is tried once more. A second failure is the batch's, reported to the caller.
import type * as ort from 'onnxruntime-node';

export type SessionLike = Pick<ort.InferenceSession, 'run' | 'release'>;
type Feeds = ort.InferenceSession.FeedsType;
type Outputs = ort.InferenceSession.ReturnType;

export class InferenceError extends Error {
  override name = 'InferenceError';
}

export class RecoveringSession {
  private readonly open: () => Promise<SessionLike>;
  private session: SessionLike;
  /** Times the session was recreated after a failure. */
  restarts = 0;

  private constructor(open: () => Promise<SessionLike>, session: SessionLike) {
    this.open = open;
    this.session = session;
  }

  static async create(open: () => Promise<SessionLike>): Promise<RecoveringSession> {
    return new RecoveringSession(open, await open());
  }

  async run(feeds: Feeds, fetches: string[]): Promise<Outputs> {
    try {
      return await this.session.run(feeds, fetches);
    } catch (first) {
      await this.session.release().catch(() => undefined);
      this.session = await this.open();
      this.restarts++;
      try {
        return await this.session.run(feeds, fetches);
      } catch (second) {
        throw new InferenceError(`inference failed twice, before and after recreating the session: ${message(second)} (first: ${message(first)})`);
      }
    }
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

function message(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}
