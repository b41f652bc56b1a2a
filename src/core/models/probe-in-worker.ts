// Runs the execution-provider probe in a short-lived worker thread and returns its report.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ProviderReport } from '../../shared/models.ts';

// Variables, not literals: bundlers must not rewrite these into asset URLs. From the sources the
// worker is the .ts file beside this one; in the Electron build it is the bundled probe-worker.js.
const SOURCE = './probe-worker.ts';
const BUNDLED = './probe-worker.js';

function defaultWorkerFile(): string {
  const source = fileURLToPath(new URL(SOURCE, import.meta.url));
  return existsSync(source) ? source : fileURLToPath(new URL(BUNDLED, import.meta.url));
}

export function probeInWorker(workerFile = defaultWorkerFile()): Promise<ProviderReport> {
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
