// `npm run test:e2e`: runs the end-to-end suite (vitest.e2e.config.ts builds the renderer first).
import { startVitest } from 'vitest/node';

const vitest = await startVitest('test', process.argv.slice(2), { config: 'vitest.e2e.config.ts', run: true });
await vitest.close();
process.exit(process.exitCode ?? 0);
