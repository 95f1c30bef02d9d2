#!/usr/bin/env node
// The `bulkhead` bin: loads the TypeScript CLI through tsx, so there is no build step to forget.
require('tsx/cjs/api').register();
const { main } = require('../cli/main.ts');

main(process.argv).catch((error) => {
  process.stderr.write(`bulkhead: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = process.exitCode || 1;
});
