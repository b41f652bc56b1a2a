// How CLI commands talk to the user: human text on a terminal, or one JSON document with --json.
import type { Job } from '../shared/schemas.ts';

export const EXIT = { ok: 0, failed: 1, usage: 2, project: 3, cancelled: 130 } as const;

export class UsageError extends Error {
  override name = 'UsageError';
}

export function printResult(json: boolean, value: unknown, human: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${human()}\n`);
}

/** One status line for a running job: "decoding 1,234/5,000 (25%) · 310/s · ETA 12s". */
export function progressLine(job: Job): string {
  const parts = [job.phase || job.state];
  if (job.total !== null) {
    const percent = job.total > 0 ? Math.floor((100 * job.done) / job.total) : 100;
    parts.push(`${job.done.toLocaleString('en')}/${job.total.toLocaleString('en')} (${percent}%)`);
  }
  const extras: string[] = [];
  if (job.rate !== null) extras.push(`${job.rate.toFixed(job.rate < 10 ? 1 : 0)}/s`);
  if (job.etaSeconds !== null) extras.push(`ETA ${formatDuration(job.etaSeconds)}`);
  if (job.failedItems > 0) extras.push(`${job.failedItems} failed`);
  return [parts.join(' '), ...extras].join(' · ');
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${Math.round(seconds % 60)}s`;
  return `${Math.floor(minutes / 60)}h ${minutes % 60}m`;
}
