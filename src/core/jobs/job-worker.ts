// Entry of the child process that runs one job away from the app's process (the UI, server or CLI).
import { silenceSqliteWarning } from '../store/quiet-sqlite-warning.ts';

silenceSqliteWarning();
await import('./job-worker-main.ts');
