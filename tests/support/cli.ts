// Runs the real `selfguide` command in a child process (the same Node that runs the tests).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/selfguide.js', import.meta.url));

export function selfguide(args: string[], timeoutMs = 120_000): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: timeoutMs });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

export function selfguideJson<T = Record<string, unknown>>(args: string[], timeoutMs?: number): { code: number; json: T; stderr: string } {
  const { code, stdout, stderr } = selfguide([...args, '--json'], timeoutMs);
  return { code, json: JSON.parse(stdout) as T, stderr };
}

export function spawnSelfguide(args: string[]): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}
