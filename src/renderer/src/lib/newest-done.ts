// The run a review view opens on: the newest one that finished computing.
export function newestDone<Run extends { state: string }>(runs: readonly Run[]): Run | undefined {
  return [...runs].reverse().find((run) => run.state === 'done');
}
