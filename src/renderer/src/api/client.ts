// The one client the app uses: the Electron bridge when the preload exposed it, HTTP otherwise.
import type { SelfguideClient } from '../../../shared/api.ts';
import { createHttpClient } from './http-client.ts';
import { createIpcClient } from './ipc-client.ts';
import { takeSessionToken } from './session-token.ts';

export const client: SelfguideClient = window.selfguide ? createIpcClient(window.selfguide) : createHttpClient(takeSessionToken());
