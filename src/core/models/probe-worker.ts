// Worker entry: probes the execution providers in a thread of its own and posts the report, so a
// provider that crashes or hangs while loading cannot take the calling (UI or server) thread with it.
import { parentPort } from 'node:worker_threads';
import { probeProviders, candidates } from './execution-provider.ts';

const report = await probeProviders(candidates()).then(
  (value) => ({ ok: true as const, value }),
  (error: unknown) => ({ ok: false as const, error: error instanceof Error ? error.message : String(error) }),
);
parentPort?.postMessage(report);
