import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { createService } from '../../core/api/service.ts';
import { JobRunner } from '../../core/jobs/job-runner.ts';
import { openProject } from '../../core/project/project.ts';
import { startServer } from '../../server/server.ts';
import type { Command } from '../command.ts';
import { EXIT, UsageError } from '../output.ts';

const BUILT_RENDERER = fileURLToPath(new URL('../../../out/renderer', import.meta.url));

export const serveCommand: Command = {
  name: 'serve',
  summary: 'serve the app to a browser on this machine (127.0.0.1 only)',
  usage: `selfguide serve [--port N] [PROJECT-DIR] [--json]

Starts the HTTP + WebSocket server on 127.0.0.1 and prints the URL to open, which carries a fresh
access token; requests without it are refused. Interrupted jobs of the project resume. Stop with Ctrl-C.
With --json, prints {"url", "port", "token"} as one line once the server listens.`,
  options: { port: { type: 'string', default: '0' }, project: { type: 'string', short: 'p' } },
  async run({ values, positionals }) {
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0–65535, got ${values.port}`);
    const project = openProject(positionals[0] ?? (values.project as string | undefined) ?? '.');
    const runner = new JobRunner(project);
    const server = await startServer(createService(project, runner), {
      port,
      rendererDir: existsSync(BUILT_RENDERER) ? BUILT_RENDERER : null,
    });
    if (values.json) process.stdout.write(`${JSON.stringify({ url: server.url, port: server.port, token: server.token })}\n`);
    else process.stdout.write(`selfguide is serving ${project.root}\nOpen ${server.url}\n`);
    const resumed = runner.resumePending();
    if (resumed.length > 0 && !values.json) process.stderr.write(`Resuming ${resumed.length} unfinished job(s).\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await runner.stop();
    await server.close();
    project.close();
    return EXIT.ok;
  },
};
