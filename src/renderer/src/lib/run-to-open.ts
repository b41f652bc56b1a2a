// The run a review view opens on: the one it last showed in this tab (so a reload keeps the run under
// review), else the newest one that finished computing.
import { newestDone } from './newest-done.ts';

const storageKey = (view: string) => `selfguide.openRun.${view}`;

export function rememberOpenRun(view: string, runId: number): void {
  try {
    window.sessionStorage.setItem(storageKey(view), String(runId));
  } catch {
    // storage refused (a private window's quota): the view opens on the newest run instead
  }
}

export function runToOpen<Run extends { id: number; state: string }>(view: string, runs: readonly Run[]): Run | undefined {
  const remembered = Number(window.sessionStorage.getItem(storageKey(view)));
  return runs.find((run) => run.id === remembered) ?? newestDone(runs);
}
