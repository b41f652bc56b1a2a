// Electron shell: one sandboxed window, the API contract over IPC, and project images over a
// custom protocol. Everything it does is a call into src/core.
import { join } from 'node:path';
import { BrowserWindow, app, dialog, ipcMain, protocol } from 'electron';
import { ApiFailure, createService, type Service } from '../core/api/service.ts';
import { JobRunner } from '../core/jobs/job-runner.ts';
import { relayOtherProcessJobs } from '../core/jobs/other-process-jobs.ts';
import { createProject } from '../core/project/project.ts';
import { silenceSqliteWarning } from '../core/store/quiet-sqlite-warning.ts';
import { IPC, type BridgeResponse } from '../shared/bridge.ts';
import { registerAssetProtocol, ASSET_SCHEME_PRIVILEGES } from './asset-protocol.ts';
import { projectDirFromArgs } from './project-location.ts';

silenceSqliteWarning();
protocol.registerSchemesAsPrivileged([ASSET_SCHEME_PRIVILEGES]);

let service: Service | null = null;

function createWindow(): BrowserWindow {
  const window = new BrowserWindow({
    width: 1400,
    height: 900,
    title: 'selfguide',
    webPreferences: {
      preload: join(import.meta.dirname, '../preload/index.cjs'),
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  });
  // The renderer never opens other windows or navigates away from the app.
  window.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  window.webContents.on('will-navigate', (event) => event.preventDefault());
  if (process.env.ELECTRON_RENDERER_URL) void window.loadURL(process.env.ELECTRON_RENDERER_URL);
  else void window.loadFile(join(import.meta.dirname, '../renderer/index.html'));
  return window;
}

async function chooseProject(): Promise<string | null> {
  const fromArgs = projectDirFromArgs(process.argv);
  if (fromArgs) return fromArgs;
  const choice = await dialog.showOpenDialog({
    title: 'Open or create a selfguide project folder',
    properties: ['openDirectory', 'createDirectory'],
  });
  return choice.canceled ? null : (choice.filePaths[0] ?? null);
}

app.whenReady().then(async () => {
  const dir = await chooseProject();
  if (!dir) return app.quit();
  const project = createProject(dir);
  const runner = new JobRunner(project, { workerFile: join(import.meta.dirname, 'job-worker.js') });
  service = createService(project, runner);
  relayOtherProcessJobs(project, runner); // jobs a `selfguide` command runs beside the app show live too
  registerAssetProtocol(project);

  ipcMain.handle(IPC.invoke, async (_event, method: unknown, input: unknown): Promise<BridgeResponse> => {
    try {
      return { ok: true, result: await (service as Service).dispatch(String(method), input) };
    } catch (error) {
      const failure = error instanceof ApiFailure ? error : new ApiFailure('internal', String(error));
      return { ok: false, error: { code: failure.code, message: failure.message } };
    }
  });
  const window = createWindow();
  // A folder the user picks to export into (the renderer has no file system access of its own).
  ipcMain.handle(IPC.chooseFolder, async (_event, title: unknown) => {
    const choice = await dialog.showOpenDialog(window, { title: String(title), properties: ['openDirectory', 'createDirectory'] });
    return choice.canceled ? null : (choice.filePaths[0] ?? null);
  });
  runner.events.on('event', (event) => {
    if (!window.isDestroyed()) window.webContents.send(IPC.event, event);
  });
  runner.resumePending();
});

app.on('window-all-closed', async () => {
  if (service) {
    await service.runner.stop();
    service.project.close();
  }
  app.quit();
});
