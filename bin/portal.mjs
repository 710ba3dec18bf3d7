#!/usr/bin/env node
// The `portal` command. The portal needs Node.js 24 (it runs TypeScript
// directly); on an older Node this re-runs itself on the Node 24 pinned in
// the project's node_modules.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const major = Number(process.versions.node.split('.')[0]);
if (major >= 24) {
  await import(main);
} else {
  const pinned = createRequire(import.meta.url).resolve('node/bin/node');
  const run = spawnSync(pinned, [main, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(run.status ?? 1);
}
