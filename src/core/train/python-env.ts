// Finds the Python that runs the trainer and checks it with a short probe (Python and torch versions,
// CUDA/MPS and GPU names, whether selfguide_trainer and its ONNX export dependencies import). When
// anything is missing, the result says what to run.
import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PythonEnvironment } from '../../shared/train.ts';
import type { Project } from '../project/project.ts';

export const PYTHON_ENV_VARIABLE = 'SELFGUIDE_PYTHON';
const PROBE_TIMEOUT_MS = 60_000;
const MIN_PYTHON = [3, 10];
const MIN_TORCH = [2, 4];
const TORCH_PIN = 'torch==2.13.0';

export interface PythonChoice {
  python: string;
  source: NonNullable<PythonEnvironment['source']>;
}

/** The selfguide checkout this code runs from (it holds trainer/ and, after setup, .venv/), if any. */
export function selfguideRoot(start = dirname(fileURLToPath(import.meta.url))): string | null {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'trainer', 'pyproject.toml'))) return dir;
    if (dirname(dir) === dir) return null;
  }
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string, path = process.env.PATH ?? ''): string | null {
  for (const dir of path.split(delimiter)) {
    if (dir && executable(join(dir, name))) return join(dir, name);
  }
  return null;
}

/**
 * The project's `pythonPath` setting, else $SELFGUIDE_PYTHON, else the checkout's .venv, else python3 on
 * the PATH. A Python named explicitly (setting or variable) is used even if it is not there, so the
 * check reports it instead of silently taking another one.
 */
export function choosePython(project: Project, env: NodeJS.ProcessEnv = process.env): PythonChoice | null {
  const setting = project.settings.get('pythonPath');
  if (setting) return { python: resolve(project.root, setting), source: 'setting' };
  const variable = env[PYTHON_ENV_VARIABLE];
  if (variable) return { python: resolve(variable), source: 'env' };
  const root = selfguideRoot();
  const venv = root ? join(root, '.venv', 'bin', 'python') : null;
  if (venv && executable(venv)) return { python: venv, source: 'venv' };
  const system = onPath('python3', env.PATH);
  return system ? { python: system, source: 'path' } : null;
}

/** The environment the trainer runs in: the checkout's trainer/ importable even without `pip install -e`. */
export function trainerEnvironment(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const root = selfguideRoot();
  if (!root) return { ...env, PYTHONUNBUFFERED: '1' };
  const paths = [join(root, 'trainer'), ...(env.PYTHONPATH ? [env.PYTHONPATH] : [])];
  return { ...env, PYTHONPATH: paths.join(delimiter), PYTHONUNBUFFERED: '1' };
}

const PROBE_SCRIPT = `
import json, sys
r = {"python": sys.version.split()[0], "torch": None, "cuda": False, "mps": False, "gpus": [], "trainer": False, "errors": {}}
try:
    import torch
    r["torch"] = torch.__version__
    r["cuda"] = bool(torch.cuda.is_available())
    if r["cuda"]:
        r["gpus"] = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    mps = getattr(torch.backends, "mps", None)
    r["mps"] = bool(mps is not None and mps.is_available())
except Exception as e:
    r["errors"]["torch"] = f"{type(e).__name__}: {e}"
if r["torch"]:
    try:
        import selfguide_trainer.diffusion.commands.train, selfguide_trainer.diffusion.onnx_export, onnx, onnxruntime
        r["trainer"] = True
    except Exception as e:
        r["errors"]["trainer"] = f"{type(e).__name__}: {e}"
print(json.dumps(r))
`;

interface ProbeOutput {
  python: string;
  torch: string | null;
  cuda: boolean;
  mps: boolean;
  gpus: string[];
  trainer: boolean;
  errors: { torch?: string; trainer?: string };
}

interface ProcessResult {
  stdout: string;
  stderr: string;
  error: (Error & { code?: string | number | null; killed?: boolean }) | null;
}

function runProbe(python: string, timeoutMs: number): Promise<ProcessResult> {
  return new Promise((resolvePromise) => {
    execFile(python, ['-c', PROBE_SCRIPT], { timeout: timeoutMs, killSignal: 'SIGKILL', env: trainerEnvironment(), encoding: 'utf8' }, (error, stdout, stderr) =>
      resolvePromise({ stdout, stderr, error }),
    );
  });
}

function atLeast(version: string | null, minimum: number[]): boolean {
  if (!version) return false;
  const parts = version.split(/[.+]/).map((part) => Number.parseInt(part, 10));
  for (let i = 0; i < minimum.length; i++) {
    const have = parts[i] ?? 0;
    const want = minimum[i] as number;
    if (have !== want) return have > want;
  }
  return true;
}

function setupCommands(root: string | null): string[] {
  const trainer = root ? join(root, 'trainer') : '<selfguide folder>/trainer';
  const venv = root ? join(root, '.venv') : '<selfguide folder>/.venv';
  return [
    `Create the trainer's Python environment: python3 -m venv ${venv} && ${venv}/bin/pip install ${TORCH_PIN} -e ${trainer}` +
      (root ? ` (or run: bash ${join(root, 'scripts', 'setup.sh')} --test, which also installs the test tools)` : ''),
    `Or use a Python that has them: set ${PYTHON_ENV_VARIABLE}=/path/to/python, or the project's Python setting.`,
  ];
}

/**
 * What to do about a chosen Python that cannot run the trainer: where a person chose it (the variable or
 * the project setting), first to correct or clear that choice, since the .venv may be fine.
 */
function brokenPythonInstructions(choice: PythonChoice, root: string | null): string[] {
  const chosen =
    choice.source === 'env'
      ? [`$${PYTHON_ENV_VARIABLE} points to ${choice.python}: correct it, or unset it to use the selfguide folder's .venv (or python3 on the PATH).`]
      : choice.source === 'setting'
        ? [`The project's Python setting points to ${choice.python}: correct it, or clear it to use $${PYTHON_ENV_VARIABLE}, the selfguide folder's .venv or python3 on the PATH.`]
        : [];
  return [...chosen, ...setupCommands(root)];
}

/** Runs the probe with the chosen Python and turns what it found into a report with instructions. */
export async function checkPythonEnvironment(project: Project, options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<PythonEnvironment> {
  const root = selfguideRoot();
  const report: PythonEnvironment = {
    ready: false,
    python: null,
    source: null,
    pythonVersion: null,
    torchVersion: null,
    cuda: false,
    mps: false,
    gpus: [],
    trainer: false,
    problems: [],
    instructions: [],
  };
  const choice = choosePython(project, options.env);
  if (!choice) {
    report.problems.push('No Python found: no project setting, no $SELFGUIDE_PYTHON, no .venv in the selfguide folder and no python3 on the PATH.');
    report.instructions.push(...setupCommands(root));
    return report;
  }
  Object.assign(report, choice);
  const timeoutMs = options.timeoutMs ?? PROBE_TIMEOUT_MS;
  const { stdout, stderr, error } = await runProbe(choice.python, timeoutMs);
  const where = `${choice.python} (${describeSource(choice.source)})`;
  if (error?.code === 'ENOENT' || error?.code === 'EACCES') {
    const folder = error.code === 'EACCES' && existsSync(choice.python) && statSync(choice.python).isDirectory();
    report.problems.push(`${where} ${error.code === 'ENOENT' ? 'does not exist' : folder ? 'is a folder, not a Python program' : 'is not executable'}.`);
    report.instructions.push(...brokenPythonInstructions(choice, root));
    return report;
  }
  const line = stdout.trim().split('\n').at(-1) ?? '';
  let probe: ProbeOutput | null = null;
  try {
    probe = JSON.parse(line) as ProbeOutput;
  } catch {
    probe = null;
  }
  if (!probe) {
    // a program that ran and said nothing (not a Python at all) leaves no message of its own
    const said = lastLines(stderr || String(error?.message ?? ''), 3) || 'it ran but gave no answer to the probe (is it a Python 3 interpreter?)';
    const reason = error?.killed ? `did not answer within ${Math.round(timeoutMs / 1000)} s` : `is not a working Python: ${said}`;
    report.problems.push(`${where} ${reason}.`);
    report.instructions.push(...brokenPythonInstructions(choice, root));
    return report;
  }
  report.pythonVersion = probe.python;
  report.torchVersion = probe.torch;
  report.cuda = probe.cuda;
  report.mps = probe.mps;
  report.gpus = probe.gpus;
  report.trainer = probe.trainer;
  const pip = `${choice.python} -m pip install`;
  if (!atLeast(probe.python, MIN_PYTHON)) {
    report.problems.push(`${where} is Python ${probe.python}; the trainer needs ${MIN_PYTHON.join('.')} or newer.`);
    report.instructions.push(...setupCommands(root));
  } else if (!probe.torch) {
    report.problems.push(`PyTorch is not installed in ${where}${probe.errors.torch ? ` (${probe.errors.torch})` : ''}.`);
    report.instructions.push(`Install it: ${pip} ${TORCH_PIN} (any torch >= ${MIN_TORCH.join('.')}; for an NVIDIA GPU take the CUDA build from pytorch.org).`);
    if (!probe.trainer) report.instructions.push(`Then install the trainer: ${pip} -e ${root ? join(root, 'trainer') : '<selfguide folder>/trainer'}`);
  } else if (!atLeast(probe.torch, MIN_TORCH)) {
    report.problems.push(`${where} has torch ${probe.torch}; the trainer needs ${MIN_TORCH.join('.')} or newer.`);
    report.instructions.push(`Upgrade it: ${pip} --upgrade ${TORCH_PIN}`);
  } else if (!probe.trainer) {
    report.problems.push(`The trainer (selfguide_trainer with onnx and onnxruntime) does not import in ${where}: ${probe.errors.trainer ?? 'unknown error'}.`);
    report.instructions.push(`Install it: ${pip} -e ${root ? join(root, 'trainer') : '<selfguide folder>/trainer'}`);
  }
  report.ready = report.problems.length === 0;
  return report;
}

function describeSource(source: PythonChoice['source']): string {
  return { setting: "the project's Python setting", env: `$${PYTHON_ENV_VARIABLE}`, venv: "the selfguide folder's .venv", path: 'python3 on the PATH' }[source];
}

function lastLines(text: string, count: number): string {
  return text.trim().split('\n').slice(-count).join(' | ');
}

/** Thrown when training cannot start because the Python environment is not ready; the message says what to run. */
export class PythonEnvironmentError extends Error {
  override name = 'PythonEnvironmentError';
  constructor(report: PythonEnvironment) {
    super(`The Python trainer cannot run: ${report.problems.join(' ')} ${report.instructions.join(' ')}`.trim());
  }
}
