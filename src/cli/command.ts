// The shape every CLI command has: a name, help text, its options, and a run function.
import type { ParseArgsConfig } from 'node:util';

export interface ParsedCommandLine {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** Returns the process exit code. */
  run(args: ParsedCommandLine): Promise<number>;
}

/** Options every command accepts. */
export const COMMON_OPTIONS = {
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

export const PROJECT_OPTION = { project: { type: 'string', short: 'p', default: '.' } } as const;
