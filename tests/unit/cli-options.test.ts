// The CLI's shared option helpers: numbers only as plain decimals, negative values after a flag, and the
// Ctrl-C line of followJob (a resume hint only where the command gives one).
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { JobRunner } from '../../src/core/jobs/job-runner.ts';
import { integerOption, joinNegativeValues, numberOption } from '../../src/cli/options.ts';
import { UsageError } from '../../src/cli/output.ts';
import { followJob } from '../../src/cli/run-job-in-cli.ts';
import type { Job } from '../../src/shared/schemas.ts';

describe('integerOption and numberOption', () => {
  it.each(['0x10', '0b1', '0o7', '1e1', ' 7', '7 ', '', 'Infinity', '+3', '3.', '1_000'])('refuse %j, which Number() would take or trim', (raw) => {
    expect(() => integerOption({ n: raw }, 'n', 0, 100)).toThrow(UsageError);
    expect(() => numberOption({ w: raw }, 'w', -100, 100)).toThrow(UsageError);
  });

  it('take plain decimals in range and name the flag, the range and the value otherwise', () => {
    expect(integerOption({ n: '16' }, 'n', 1, 64)).toBe(16);
    expect(integerOption({ n: '-3' }, 'n', -5, 5)).toBe(-3);
    expect(integerOption({}, 'n', 1, 64)).toBeUndefined();
    expect(numberOption({ w: '-1.5' }, 'w', -10, 50)).toBe(-1.5);
    expect(numberOption({ w: '.5' }, 'w', -10, 50)).toBe(0.5);
    expect(() => integerOption({ steps: '-5' }, 'steps', 1, 999)).toThrow('--steps must be an integer from 1 to 999, got "-5"');
    expect(() => integerOption({ seed: '0x10' }, 'seed', 0, 2 ** 32 - 1, '"random"')).toThrow('--seed must be an integer from 0 to 4294967295 or "random", got "0x10"');
    expect(() => numberOption({ w: '0x10' }, 'w', -10, 50)).toThrow('--w must be a number from -10 to 50, got "0x10"');
    expect(() => integerOption({ n: '1.5' }, 'n', 1, 64)).toThrow(UsageError);
  });
});

describe('joinNegativeValues', () => {
  const options = { steps: { type: 'string' }, w: { type: 'string' }, quiet: { type: 'boolean' } };

  it('joins a string option and the negative number after it, so parseArgs takes it', () => {
    expect(joinNegativeValues(['--steps', '-5', '--w', '-.5', '--n', '3'], options)).toEqual(['--steps=-5', '--w=-.5', '--n', '3']);
  });

  it('leaves booleans, unknown options, words, "--" and what follows it alone', () => {
    expect(joinNegativeValues(['--quiet', '-1', '--nope', '-2', '--w', '-x', '--w=-3', '--', '--w', '-4'], options)).toEqual(['--quiet', '-1', '--nope', '-2', '--w', '-x', '--w=-3', '--', '--w', '-4']);
  });
});

describe('followJob on Ctrl-C', () => {
  afterEach(() => vi.restoreAllMocks());

  async function interrupt(hint?: string): Promise<string> {
    const job = { id: 7, state: 'running' } as Job;
    let finish: (job: Job) => void = () => undefined;
    const runner = {
      events: new EventEmitter(),
      cancel: vi.fn(() => finish({ ...job, state: 'cancelled' })),
      waitFor: () => new Promise<Job>((resolve) => (finish = resolve)),
    } as unknown as JobRunner;
    let stderr = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
    const following = followJob(runner, job, true, hint ? { resumeHint: hint } : {});
    process.emit('SIGINT');
    const { exitCode } = await following;
    expect(exitCode).toBe(130);
    expect(runner.cancel).toHaveBeenCalledWith(7);
    return stderr;
  }

  it('claims nothing about resuming unless the command says how', async () => {
    expect(await interrupt()).toBe('\nCancelling…\n');
  });

  it('prints the command\'s own hint', async () => {
    expect(await interrupt('run the same command again to resume')).toBe('\nCancelling… (run the same command again to resume)\n');
  });
});
