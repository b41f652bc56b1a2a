// vitest setup: keep Node 22's "SQLite is experimental" warning out of the test output.
import { silenceSqliteWarning } from '../../src/core/store/quiet-sqlite-warning.ts';

silenceSqliteWarning();
