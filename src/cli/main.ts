// `selfguide` command line: a thin shell over src/core. Each command lives in commands/.
import { parseArgs } from 'node:util';
import { NewerSchemaError } from '../core/store/migrations.ts';
import { ProjectError } from '../core/project/project.ts';
import { type Command, COMMON_OPTIONS } from './command.ts';
import { boxesCommand } from './commands/boxes.ts';
import { clusterCommand } from './commands/cluster.ts';
import { demoCommand } from './commands/demo.ts';
import { exportCommand } from './commands/export.ts';
import { featuresCommand } from './commands/features.ts';
import { initCommand } from './commands/init.ts';
import { labelsCommand } from './commands/labels.ts';
import { masksCommand } from './commands/masks.ts';
import { modelsCommand } from './commands/models.ts';
import { sampleCommand } from './commands/sample.ts';
import { scanCommand } from './commands/scan.ts';
import { serveCommand } from './commands/serve.ts';
import { statusCommand } from './commands/status.ts';
import { trainCommand } from './commands/train.ts';
import { evaluateCommand } from './commands/evaluate.ts';
import { joinNegativeValues } from './options.ts';
import { EXIT, UsageError } from './output.ts';

const COMMANDS: Command[] = [initCommand, scanCommand, modelsCommand, featuresCommand, clusterCommand, labelsCommand, boxesCommand, masksCommand, exportCommand, trainCommand, evaluateCommand, sampleCommand, statusCommand, serveCommand, demoCommand];

function overview(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  return [
    'selfguide — turn a folder of unlabeled photos into a self-guided diffusion model, offline.',
    '',
    'Usage: selfguide <command> [options]   (selfguide <command> --help for details)',
    '',
    ...COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    'Every command accepts --json for machine-readable output.',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${overview()}\n`);
    return name ? EXIT.ok : EXIT.usage;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    process.stderr.write(`selfguide: unknown command "${name}"\n\n${overview()}\n`);
    return EXIT.usage;
  }
  try {
    const options = { ...COMMON_OPTIONS, ...command.options };
    const parsed = parseArgs({ args: joinNegativeValues(rest, options), options, allowPositionals: true, strict: true });
    if (parsed.values.help) {
      process.stdout.write(`${command.usage}\n`);
      return EXIT.ok;
    }
    return await command.run(parsed as { values: Record<string, string | boolean | undefined>; positionals: string[] });
  } catch (error) {
    const json = rest.includes('--json');
    const [code, kind] =
      error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
        ? [EXIT.usage, 'usage']
        : error instanceof ProjectError || error instanceof NewerSchemaError
          ? [EXIT.project, 'project']
          : [EXIT.failed, 'error'];
    const message = error instanceof Error ? error.message : String(error);
    if (json) process.stdout.write(`${JSON.stringify({ error: { kind, message } })}\n`);
    process.stderr.write(`selfguide ${name}: ${message}\n`);
    if (kind === 'usage') process.stderr.write(`\n${command.usage}\n`);
    return code;
  }
}
