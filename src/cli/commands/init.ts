import { createProject, isProject } from '../../core/project/project.ts';
import type { Command } from '../command.ts';
import { EXIT, UsageError, printResult } from '../output.ts';

export const initCommand: Command = {
  name: 'init',
  summary: 'create a project folder',
  usage: `selfguide init <project-dir> [--json]

Creates <project-dir> (if needed) with an empty project store. Running it on an existing project
only checks and migrates it.`,
  options: {},
  async run({ values, positionals }) {
    const dir = positionals[0];
    if (!dir) throw new UsageError('init needs the project folder: selfguide init <project-dir>');
    const existed = isProject(dir);
    const project = createProject(dir);
    const result = { project: project.root, created: !existed, schemaVersion: project.schemaVersion };
    project.close();
    printResult(Boolean(values.json), result, () =>
      existed ? `Project already exists at ${result.project} (schema v${result.schemaVersion}).` : `Created project ${result.project}.`,
    );
    return EXIT.ok;
  },
};
