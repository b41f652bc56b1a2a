// Runs a project's jobs, each in its own child process, and relays their events. Jobs run one after
// another within a lane: training (hours, in a Python child process) has a lane of its own, so a person
// can cluster, sample or export while a model trains; every other kind shares the main lane.
// A process, not a thread: a native crash in ONNX Runtime or a decoder ends the job's process, never
// the app (DESIGN: inference must not take the window down). A crashed job restarts by itself, up to
// twice, from what it committed; a third crash fails it with the reason (it can still be resumed by hand).
import { fork } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { ApiEvent } from '../../shared/api.ts';
import type { Job } from '../../shared/schemas.ts';
import type { Project } from '../project/project.ts';
import { JobStore } from './job-store.ts';
import type { WorkerMessage, WorkerRequest } from './worker-protocol.ts';

// A variable, not a literal: bundlers must not rewrite this into an asset URL.
const WORKER_SOURCE = './job-worker.ts';

/**
 * Restarts of a job whose process crashed (a signal), before it is failed. Two, so that the features
 * job can find a file that crashes it every time: the first restart takes the suspects one at a time,
 * the second records the one it died on (extract-job.ts).
 */
const RESTARTS_AFTER_CRASH = 2;

/** Job kinds with a lane of their own; the rest run in 'main'. */
const LANES: Record<string, string> = { train: 'training' };
export const laneOf = (kind: string): string => LANES[kind] ?? 'main';

export interface JobRunnerOptions {
  /** Path of the job process entry; bundled builds (Electron) pass their compiled file. */
  workerFile?: string;
}

export class JobRunner {
  readonly events = new EventEmitter<{ event: [ApiEvent] }>();
  private readonly project: Project;
  private readonly store: JobStore;
  private readonly workerFile: string;
  private readonly queues = new Map<string, number[]>();
  private readonly waiters = new Map<number, ((job: Job) => void)[]>();
  private readonly running = new Map<string, RunningJob>();
  private readonly crashes = new Map<number, number>();
  private stopped = false;

  constructor(project: Project, options: JobRunnerOptions = {}) {
    this.project = project;
    this.store = new JobStore(project.db);
    this.workerFile = options.workerFile ?? fileURLToPath(new URL(WORKER_SOURCE, import.meta.url));
  }

  /** Queues the jobs left queued or interrupted by an earlier process; returns them. */
  resumePending(): Job[] {
    const jobs = this.store.runnable();
    for (const job of jobs) this.enqueue(job);
    return jobs;
  }

  submit(kind: string, spec: unknown): Job {
    const job = this.store.create(kind, spec);
    this.enqueue(job);
    return job;
  }

  resume(jobId: number): Job {
    const job = this.store.get(jobId);
    if (job.state === 'running' || job.state === 'queued') return job;
    if (job.state === 'done') throw new JobStateError(`Job #${jobId} is already done.`);
    this.crashes.delete(jobId); // resumed by a person: it may restart after a crash again
    const queued = this.store.setState(jobId, 'queued', { message: 'resumed' });
    this.enqueue(queued);
    return queued;
  }

  cancel(jobId: number): Job {
    const job = this.store.get(jobId);
    const current = this.runningJob(jobId);
    if (current) {
      current.cancel();
      return job;
    }
    if (job.state === 'queued' || job.state === 'interrupted') {
      const queue = this.queueOf(job.kind);
      const index = queue.indexOf(jobId);
      if (index >= 0) queue.splice(index, 1);
      const cancelled = this.store.setState(jobId, 'cancelled');
      this.publish({ type: 'job', job: cancelled });
      this.settle(cancelled);
      return cancelled;
    }
    return job;
  }

  /** Resolves when the job reaches a final state in this runner. */
  waitFor(jobId: number): Promise<Job> {
    return new Promise((resolve) => {
      const list = this.waiters.get(jobId) ?? [];
      list.push(resolve);
      this.waiters.set(jobId, list);
    });
  }

  /** Cancels the running jobs and waits for their processes to stop. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.queues.clear();
    const finished = [...this.running.values()].map((current) => {
      const done = this.waitFor(current.jobId);
      current.cancel();
      return done;
    });
    await Promise.all(finished);
  }

  /** Whether this runner has the job queued or running (its events are this runner's own). */
  handles(jobId: number): boolean {
    return this.runningJob(jobId) !== undefined || [...this.queues.values()].some((queue) => queue.includes(jobId));
  }

  /** Passes on an event about a job another process runs (other-process-jobs.ts). */
  relay(event: ApiEvent): void {
    this.publish(event);
  }

  /** The pid of the process running `jobId`, while it runs. */
  processOf(jobId: number): number | undefined {
    return this.runningJob(jobId)?.pid;
  }

  private runningJob(jobId: number): RunningJob | undefined {
    return [...this.running.values()].find((current) => current.jobId === jobId);
  }

  private queueOf(kind: string): number[] {
    const lane = laneOf(kind);
    const queue = this.queues.get(lane) ?? [];
    this.queues.set(lane, queue);
    return queue;
  }

  private enqueue({ id, kind }: Job): void {
    const queue = this.queueOf(kind);
    if (this.stopped || queue.includes(id) || this.runningJob(id)) return;
    queue.push(id);
    this.startNext(laneOf(kind));
  }

  private startNext(lane: string): void {
    if (this.running.has(lane) || this.stopped) return;
    const jobId = this.queues.get(lane)?.shift();
    if (jobId === undefined) return;
    // 'advanced' serialization: events carry the same values a structured clone would. Under Electron
    // the child is the Electron binary, told to behave as plain Node.
    const env = process.versions.electron ? { ...process.env, ELECTRON_RUN_AS_NODE: '1' } : process.env;
    const child = fork(this.workerFile, [this.project.root, String(jobId)], { serialization: 'advanced', env });
    const cancel = () => {
      if (child.connected) child.send({ type: 'cancel' } satisfies WorkerRequest);
    };
    this.running.set(lane, { jobId, pid: child.pid, cancel });
    let finished: Job | null = null;
    child.on('message', (message: WorkerMessage) => {
      if (message.type === 'event') this.publish(message.event);
      else finished = message.job;
    });
    // 'close', not 'exit': it comes after the IPC channel has delivered the last message.
    child.on('close', (code, signal) => {
      if (!finished && signal && this.restartAfterCrash(lane, jobId, signal)) return;
      this.finish(lane, jobId, finished, exitReason(code, signal));
    });
    // Errors of a running child (a failed send) end in 'close' too; one that never started only errors.
    child.on('error', (error) => {
      if (child.pid === undefined) this.finish(lane, jobId, null, `the job's process could not start: ${error.message}`);
    });
  }

  /** Queues a job whose process died of `signal` again, unless it has used its restarts; true if it did. */
  private restartAfterCrash(lane: string, jobId: number, signal: NodeJS.Signals): boolean {
    const crashes = (this.crashes.get(jobId) ?? 0) + 1;
    this.crashes.set(jobId, crashes);
    if (crashes > RESTARTS_AFTER_CRASH || this.stopped || this.running.get(lane)?.jobId !== jobId) return false;
    this.running.delete(lane);
    const job = this.store.setState(jobId, 'queued', { message: `restarted after its process crashed (${signal}); it goes on from what it saved` });
    this.publish({ type: 'job', job });
    this.enqueue(job);
    return true;
  }

  /** The job's process has ended: a job it left running failed, with the reason. */
  private finish(lane: string, jobId: number, finished: Job | null, reason: string): void {
    if (this.running.get(lane)?.jobId !== jobId) return;
    this.running.delete(lane);
    this.crashes.delete(jobId);
    let job = finished ?? this.store.get(jobId);
    if (!finished && (job.state === 'running' || job.state === 'queued')) {
      job = this.store.setState(jobId, 'failed', { error: reason });
      this.publish({ type: 'job', job });
    }
    this.settle(job);
    this.startNext(lane);
  }

  private settle(job: Job): void {
    const list = this.waiters.get(job.id) ?? [];
    this.waiters.delete(job.id);
    for (const resolve of list) resolve(job);
  }

  private publish(event: ApiEvent): void {
    this.events.emit('event', event);
  }
}

interface RunningJob {
  jobId: number;
  pid: number | undefined;
  cancel: () => void;
}

function exitReason(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal) return `the job's process crashed (${signal}); resume the job to continue from what it saved`;
  return `the job's process exited unexpectedly (code ${code}); resume the job to continue from what it saved`;
}

export class JobStateError extends Error {
  override name = 'JobStateError';
}
