// Entry of the worker thread that runs a job off the calling thread (the UI, server or CLI thread).
import { silenceSqliteWarning } from '../store/quiet-sqlite-warning.ts';

silenceSqliteWarning();
await import('./job-worker-main.ts');
