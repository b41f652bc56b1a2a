// Sandboxed preload: exposes only the typed bridge (invoke a contract method, listen to events).
// No Node API reaches the renderer.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { ApiEvent } from '../shared/api.ts';
import { IPC, type BridgeResponse, type SelfguideBridge } from '../shared/bridge.ts';

const bridge: SelfguideBridge = {
  invoke: (method, input) => ipcRenderer.invoke(IPC.invoke, method, input) as Promise<BridgeResponse>,
  onEvent(listener) {
    const forward = (_event: IpcRendererEvent, payload: ApiEvent) => listener(payload);
    ipcRenderer.on(IPC.event, forward);
    return () => ipcRenderer.off(IPC.event, forward);
  },
  chooseFolder: (title) => ipcRenderer.invoke(IPC.chooseFolder, title) as Promise<string | null>,
};

contextBridge.exposeInMainWorld('selfguide', bridge);
