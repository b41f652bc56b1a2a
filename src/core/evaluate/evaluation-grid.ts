// The sample grids the transports serve: by evaluation id and the grid name its recorded result lists,
// so no other file of the project can be read through that route.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Project } from '../project/project.ts';
import { EvaluationNotFoundError, EvaluationStore } from './evaluation-store.ts';

/** The PNG of URL path tail "<evaluation id>/<grid file>" (e.g. "3/grids/000.png"), or null. */
export function readEvaluationGrid(project: Project, tail: string): Buffer | null {
  const slash = tail.indexOf('/');
  const id = Number(tail.slice(0, slash));
  if (slash < 1 || !Number.isInteger(id) || id <= 0) return null;
  let grid: string;
  try {
    grid = decodeURIComponent(tail.slice(slash + 1));
  } catch {
    return null;
  }
  let dir: string;
  try {
    const evaluation = new EvaluationStore(project.db).get(id);
    if (!evaluation.result?.conditions.some((condition) => condition.grid === grid)) return null;
    dir = evaluation.dir;
  } catch (error) {
    if (error instanceof EvaluationNotFoundError) return null;
    throw error;
  }
  try {
    return readFileSync(join(project.root, dir, grid));
  } catch {
    return null;
  }
}
