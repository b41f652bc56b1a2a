// What the label-run commands (boxes, masks, export) share: the newest done run of each kind as the
// default for commands that build on earlier ones, and the recompute options.
import { BoxStore } from '../core/labels/box-store.ts';
import { ClusterStore } from '../core/labels/cluster-store.ts';
import { MaskStore } from '../core/labels/mask-store.ts';
import type { Project } from '../core/project/project.ts';

type RunKind = 'cluster' | 'box' | 'mask';

export function latestDoneRun(project: Project, kind: RunKind): number | null {
  const runs = kind === 'cluster' ? new ClusterStore(project.db).list() : kind === 'box' ? new BoxStore(project.db).list() : new MaskStore(project.db).list();
  return runs.filter((run) => run.state === 'done').at(-1)?.id ?? null;
}

/** `--recompute RUN [--replace]`: compute a run again; --replace confirms replacing what people reviewed. */
export const RECOMPUTE_OPTIONS = {
  recompute: { type: 'string' },
  replace: { type: 'boolean', default: false },
} as const;
