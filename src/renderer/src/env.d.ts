/// <reference types="vite/client" />
import type { SelfguideBridge } from '../../shared/bridge.ts';

declare global {
  interface Window {
    /** Present only inside the Electron shell (exposed by the preload through contextBridge). */
    selfguide?: SelfguideBridge;
  }
}
