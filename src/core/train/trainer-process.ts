// Runs `python -m selfguide_trainer <command>` as a child process (never in the job's JS heap): its
// JSON-line events are handed on as they arrive, its stderr goes to the run's log, and a cancel sends
// SIGTERM (the trainer finishes the step, writes a checkpoint and exits) and, after a grace period,
// SIGKILL to its whole process group (DataLoader workers included). With several processes it runs under
// torchrun, which passes a SIGTERM on to every rank; the ranks agree on the step to stop at.
import { spawn } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { LineSplitter, parseTrainerLine, type TrainerEvent } from './trainer-events.ts';
import { trainerEnvironment } from './python-env.ts';

const CANCEL_POLL_MS = 200;
const STDERR_TAIL_LINES = 20;

export interface TrainerProcessOptions {
  python: string;
  /** Arguments after `-m selfguide_trainer`. */
  args: string[];
  /** Training processes (DDP under torchrun) when above 1. */
  processes?: number;
  /** Log file that receives stderr and any stdout line that is not an event. */
  log: string;
  onEvent(event: TrainerEvent): void;
  isCancelled(): boolean;
  /** How long a cancelled trainer may take to checkpoint before it is killed. */
  graceMs: number;
  onStart?(pid: number): void;
}

export interface TrainerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** SIGTERM was sent because the job was cancelled. */
  cancelled: boolean;
  /** It ran past the grace period and was killed. */
  killed: boolean;
  /** The message of the trainer's `error` event, if it sent one. */
  error: string | null;
  /** The process could not be started (e.g. the Python does not exist). */
  spawnError: string | null;
  stderrTail: string[];
}

export function runTrainerProcess(options: TrainerProcessOptions): Promise<TrainerExit> {
  const result: TrainerExit = { code: null, signal: null, cancelled: false, killed: false, error: null, spawnError: null, stderrTail: [] };
  const log = (line: string) => appendFileSync(options.log, `${line}\n`);
  const pythonArgs = [...launcherArguments(options.processes ?? 1), '-m', 'selfguide_trainer', ...options.args];
  log(`$ ${options.python} ${pythonArgs.join(' ')}`);
  return new Promise((resolve) => {
    // Its own process group: a Ctrl-C in the terminal reaches the app, which stops the trainer in order.
    const child = spawn(options.python, pythonArgs, {
      env: trainerEnvironment(),
      detached: true,
      // stdin stays open and unwritten: if this process dies, even by SIGKILL, the trainer sees it close and
      // stops with a checkpoint (--stop-on-stdin-eof) instead of training on, detached, with nobody watching
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child.stdin.on('error', () => {}); // EPIPE once the trainer has exited: nothing was to be written
    if (child.pid !== undefined) options.onStart?.(child.pid);
    const stdout = new LineSplitter((line) => {
      const event = parseTrainerLine(line);
      if (!event) {
        if (line.trim()) log(line);
        return;
      }
      if (event.event === 'error') result.error = event.message;
      options.onEvent(event);
    });
    const stderr = new LineSplitter((line) => {
      log(line);
      result.stderrTail.push(line);
      if (result.stderrTail.length > STDERR_TAIL_LINES) result.stderrTail.shift();
    });
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => stdout.push(chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));

    let killTimer: NodeJS.Timeout | null = null;
    const watch = setInterval(() => {
      if (result.cancelled || !options.isCancelled()) return;
      result.cancelled = true;
      log('selfguide: cancel requested, sent SIGTERM (the trainer writes a checkpoint and stops)');
      child.kill('SIGTERM');
      killTimer = setTimeout(() => {
        result.killed = true;
        log(`selfguide: the trainer did not stop within ${Math.round(options.graceMs / 1000)} s; killed it`);
        killGroup(child.pid);
      }, options.graceMs);
    }, CANCEL_POLL_MS);

    child.once('error', (error) => {
      result.spawnError = error.message;
    });
    // torchrun starts each rank in a session of its own, out of reach of killGroup; a rank left behind by a
    // killed launcher still holds this pipe and stops with a checkpoint once it closes
    child.once('exit', () => child.stdin.destroy());
    child.once('close', (code, signal) => {
      clearInterval(watch);
      if (killTimer) clearTimeout(killTimer);
      stdout.end();
      stderr.end();
      result.code = code;
      result.signal = signal;
      log(`selfguide: the trainer exited (${signal ? `signal ${signal}` : `code ${code}`})`);
      resolve(result);
    });
  });
}

/** `python -m torch.distributed.run …` on one machine for several processes; nothing for one. */
export function launcherArguments(processes: number): string[] {
  return processes > 1 ? ['-m', 'torch.distributed.run', '--standalone', `--nproc_per_node=${processes}`] : [];
}

/** Kills a process group (the trainer and its DataLoader workers); quiet when it is already gone. */
export function killGroup(pid: number | undefined, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/**
 * Stops a trainer that an earlier process started for this run folder and left running (the app was
 * killed): two trainers must never write the same run. Checks the pid's command line first, since a
 * pid can be reused by an unrelated process.
 */
export async function stopLeftoverTrainer(pid: number | null, runFolder: string, graceMs: number): Promise<boolean> {
  if (pid === null || !commandLineOf(pid)?.includes(runFolder)) return false;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return false;
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && commandLineOf(pid)?.includes(runFolder)) await new Promise((resolve) => setTimeout(resolve, 100));
  if (commandLineOf(pid)?.includes(runFolder)) killGroup(pid);
  return true;
}

function commandLineOf(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return null; // gone, or not Linux: nothing to check against
  }
}
