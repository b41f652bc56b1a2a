// The project folder the desktop app opens: `--project DIR` on the command line, else ask the user.
export function projectDirFromArgs(argv: string[]): string | null {
  const index = argv.indexOf('--project');
  if (index >= 0 && argv[index + 1]) return argv[index + 1] as string;
  const inline = argv.find((arg) => arg.startsWith('--project='));
  return inline ? inline.slice('--project='.length) : null;
}
