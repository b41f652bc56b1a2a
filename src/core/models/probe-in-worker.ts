// Runs the execution-provider probe in a short-lived worker thread and returns its report.
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ProviderReport } from '../../shared/models.ts';

// A variable, not a literal: bundlers must not rewrite this into an asset URL.
const PROBE_SOURCE = './probe-worker.ts';

export function probeInWorker(workerFile = fileURLToPath(new URL(PROBE_SOURCE, import.meta.url))): Promise<ProviderReport> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerFile);
    worker.once('message', (message: { ok: true; value: unknown } | { ok: false; error: string }) => {
      if (message.ok) resolve(ProviderReport.parse(message.value));
      else reject(new Error(message.error));
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the provider probe exited (code ${code}) without a report`)));
  });
}
