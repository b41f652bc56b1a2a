// Runs a project's jobs, each in its own worker thread, and relays their events. Jobs run one after
// another within a lane: training (hours, in a Python child process) has a lane of its own, so a person
// can cluster, sample or export while a model trains; every other kind shares the main lane.
// A worker that crashes fails its job with the reason; the queue goes on.
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ApiEvent } from '../../shared/api.ts';
import type { Job } from '../../shared/schemas.ts';
import type { Project } from '../project/project.ts';
import { JobStore } from './job-store.ts';
import type { WorkerMessage, WorkerRequest } from './worker-protocol.ts';

// A variable, not a literal: bundlers must not rewrite this into an asset URL.
const WORKER_SOURCE = './job-worker.ts';

/** Job kinds with a lane of their own; the rest run in 'main'. */
const LANES: Record<string, string> = { train: 'training' };
export const laneOf = (kind: string): string => LANES[kind] ?? 'main';

export interface JobRunnerOptions {
  /** Path of the worker entry; bundled builds (Electron) pass their compiled file. */
  workerFile?: string;
}

export class JobRunner {
  readonly events = new EventEmitter<{ event: [ApiEvent] }>();
  private readonly project: Project;
  private readonly store: JobStore;
  private readonly workerFile: string;
  private readonly queues = new Map<string, number[]>();
  private readonly waiters = new Map<number, ((job: Job) => void)[]>();
  private readonly running = new Map<string, { jobId: number; worker: Worker }>();
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
    const queued = this.store.setState(jobId, 'queued', { message: 'resumed' });
    this.enqueue(queued);
    return queued;
  }

  cancel(jobId: number): Job {
    const job = this.store.get(jobId);
    const current = this.runningJob(jobId);
    if (current) {
      current.worker.postMessage({ type: 'cancel' } satisfies WorkerRequest);
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

  /** Cancels the running jobs and waits for their workers to stop. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.queues.clear();
    const finished = [...this.running.values()].map((current) => {
      const done = this.waitFor(current.jobId);
      current.worker.postMessage({ type: 'cancel' } satisfies WorkerRequest);
      return done;
    });
    await Promise.all(finished);
  }

  private runningJob(jobId: number): { jobId: number; worker: Worker } | undefined {
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
    const worker = new Worker(this.workerFile, { workerData: { projectRoot: this.project.root, jobId } });
    this.running.set(lane, { jobId, worker });
    let finished: Job | null = null;
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'event') this.publish(message.event);
      else finished = message.job;
    });
    worker.on('error', (error) => {
      this.publish({ type: 'job', job: this.store.setState(jobId, 'failed', { error: `worker crashed: ${error.message}` }) });
    });
    worker.on('exit', (code) => {
      this.running.delete(lane);
      let job = finished ?? this.store.get(jobId);
      if (!finished && job.state === 'running') {
        job = this.store.setState(jobId, 'failed', { error: `worker exited unexpectedly (code ${code})` });
        this.publish({ type: 'job', job });
      }
      this.settle(job);
      this.startNext(lane);
    });
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

export class JobStateError extends Error {
  override name = 'JobStateError';
}
