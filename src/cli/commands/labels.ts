import { importLabelsCsv, importLabelsFromFolders } from '../../core/labels/import-labels.ts';
import { openProject } from '../../core/project/project.ts';
import { type Command, PROJECT_OPTION } from '../command.ts';
import { EXIT, UsageError, printResult } from '../output.ts';

export const labelsCommand: Command = {
  name: 'labels',
  summary: 'import ground-truth labels (a CSV or folder names) to score clusterings',
  usage: `selfguide labels import [--project DIR] (CSV | --from-folders) [--name NAME] [--json]

Imports a ground-truth labelling: from a CSV whose first row names a "file" (or "path") and a
"label" column — rows are matched to images by path (absolute or relative to their folder) or by
file name when only one image has it — or, with --from-folders, from the name of each image's
folder. Unmatched rows are reported. Ground truth is only used to score clustering runs
(selfguide cluster); importing again under the same name replaces that labelling.

Exit codes: 0 imported, 1 the CSV is missing or has no file/label columns, 2 usage error, 3 project error.`,
  options: { ...PROJECT_OPTION, 'from-folders': { type: 'boolean', default: false }, name: { type: 'string' } },
  async run({ values, positionals }) {
    const [action, csv, ...extra] = positionals;
    if (action !== 'import') throw new UsageError('the only action is: labels import');
    const fromFolders = Boolean(values['from-folders']);
    if (extra.length > 0 || (csv === undefined) === !fromFolders) throw new UsageError('give either one CSV file or --from-folders');
    const name = typeof values.name === 'string' ? values.name : undefined;
    const project = openProject(String(values.project));
    try {
      const result = fromFolders ? importLabelsFromFolders(project, name) : importLabelsCsv(project, csv as string, name);
      printResult(Boolean(values.json), result, () =>
        [
          `Imported "${result.labelling.name}" (#${result.labelling.id}): ${result.matched} images, ${result.labelling.labels} labels; ${result.unmatchedCount} rows unmatched.`,
          ...result.unmatched.slice(0, 20).map((row) => `  line ${row.line}: ${row.file} — ${row.reason}`),
        ].join('\n'),
      );
      return EXIT.ok;
    } finally {
      project.close();
    }
  },
};
