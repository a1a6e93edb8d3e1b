// One vitest run for the whole repository: "fast" = unit tests beside the code, "int" = integration suites under test/.
import { defineConfig } from 'vitest/config';

const dirs = '{libs,services,cli}';
export default defineConfig({
  test: {
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      { extends: true, test: { name: 'fast', include: [`${dirs}/*/src/**/*.test.ts`, 'cli/src/**/*.test.ts'] } },
      { extends: true, test: { name: 'int', include: [`${dirs}/*/test/**/*.test.ts`, 'cli/test/**/*.test.ts', 'deploy/**/test/**/*.test.ts'] } },
    ],
  },
});
