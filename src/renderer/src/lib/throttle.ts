/**
 * Runs `task` at most once per `intervalMs`; a call during the pause schedules one more run at its end,
 * so the last call is never lost. A burst of events costs one refetch per interval, not one per event.
 */
export function throttle(task: () => void, intervalMs: number): () => void {
  let lastRun = -Infinity;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const run = () => {
    timer = undefined;
    lastRun = Date.now();
    task();
  };
  return () => {
    if (timer !== undefined) return;
    const wait = lastRun + intervalMs - Date.now();
    if (wait <= 0) run();
    else timer = setTimeout(run, wait);
  };
}
