// The rate and time left a job reports count from its baseline: items finished before this run got to
// work (features kept from an earlier extraction) are no rate. Real store, the job context jobs get.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { JobContextImpl } from '../../src/core/jobs/job-context.ts';
import { JobStore } from '../../src/core/jobs/job-store.ts';
import { createProject, type Project } from '../../src/core/project/project.ts';
import { tempDir } from '../support/temp.ts';

describe('job progress rate', () => {
  let project: Project;

  beforeAll(() => {
    project = createProject(join(tempDir(), 'project'));
    vi.useFakeTimers({ toFake: ['Date'] });
  });
  afterAll(() => {
    vi.useRealTimers();
    project.close();
  });

  /** 4,000 of 13,000 items done before the run, then 500 done in one second. */
  function run(baseline: boolean) {
    const store = new JobStore(project.db);
    const job = store.create('features', {});
    const context = new JobContextImpl(project, job.id, () => {});
    const start = 1_000_000;
    vi.setSystemTime(start);
    context.progress({ phase: 'probing', done: 0, total: 13_000 });
    vi.setSystemTime(start + 100);
    context.progress({ phase: 'extracting', done: 4_000, baseline });
    vi.setSystemTime(start + 1_100);
    context.progress({ done: 4_500 });
    return store.get(job.id);
  }

  it('counts from the baseline, so skipped items are no speed', () => {
    const job = run(true);
    expect(job.rate).toBeCloseTo(500, 6);
    expect(job.etaSeconds).toBeCloseTo(17, 6);
  });

  it('counts every item as speed without a baseline, as for work done in the run', () => {
    expect(run(false).rate).toBeGreaterThan(4_000);
  });
});
