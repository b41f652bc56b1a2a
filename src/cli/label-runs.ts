// What the label-run commands (boxes, masks, export) share: the newest done run of each kind as the
// default for commands that build on earlier ones, and the recompute options.
export { latestDoneRun } from '../core/labels/latest-run.ts';

/** `--recompute RUN [--replace]`: compute a run again; --replace confirms replacing what people reviewed. */
export const RECOMPUTE_OPTIONS = {
  recompute: { type: 'string' },
  replace: { type: 'boolean', default: false },
} as const;
