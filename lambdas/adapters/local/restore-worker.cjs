// The entry of a restore worker thread. A worker starts without its parent's TypeScript loader (tsx in
// the CLI, swc inside jest), so it registers tsx itself, then loads the TypeScript worker module.
require('tsx/cjs/api').register();
require('./restore-worker.ts');
