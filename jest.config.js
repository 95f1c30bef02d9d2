/** Jest runs TypeScript through swc (no type-checking here: `npm run typecheck` does that). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Silences the Powertools Logger's JSON lines (see the file); runs before each test file.
  setupFiles: ['<rootDir>/test/quiet-powertools.ts'],
  // A hang guard, not a performance limit: CI shares 2 cores, and wall-clock limits in tests only
  // measure the machine's noise.
  testTimeout: 300_000,
  transform: { '^.+\\.tsx?$': ['@swc/jest'] },
};
