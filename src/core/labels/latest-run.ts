// The newest done run of a kind: the default source of commands and exports that build on earlier runs.
import type { Project } from '../project/project.ts';
import { BoxStore } from './box-store.ts';
import { ClusterStore } from './cluster-store.ts';
import { MaskStore } from './mask-store.ts';

export type LabelRunKind = 'cluster' | 'box' | 'mask';

export function latestDoneRun(project: Project, kind: LabelRunKind): number | null {
  const runs = kind === 'cluster' ? new ClusterStore(project.db).list() : kind === 'box' ? new BoxStore(project.db).list() : new MaskStore(project.db).list();
  return runs.filter((run) => run.state === 'done').at(-1)?.id ?? null;
}
