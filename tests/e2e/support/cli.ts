// Drives the real `selfguide` CLI: make a project, scan folders, serve it.
import { execFile, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const BIN = fileURLToPath(new URL('../../../bin/selfguide.js', import.meta.url));
const run = promisify(execFile);

export async function selfguide(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [BIN, ...args], { maxBuffer: 16 << 20 });
  return stdout;
}

export async function makeProject(projectDir: string, ...folders: string[]): Promise<void> {
  await selfguide('init', projectDir);
  await selfguide('scan', '-p', projectDir, ...folders, '--json');
}

export interface Served {
  url: string;
  port: number;
  token: string;
  origin: string;
  stop(): Promise<void>;
}

export async function serve(projectDir: string): Promise<Served> {
  const child = spawn(process.execPath, [BIN, 'serve', '--json', '--port', '0', projectDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const firstLine = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`selfguide serve exited with ${code} before printing its URL`)));
  });
  const { url, port, token } = JSON.parse(firstLine) as { url: string; port: number; token: string };
  return {
    url,
    port,
    token,
    origin: new URL(url).origin,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
