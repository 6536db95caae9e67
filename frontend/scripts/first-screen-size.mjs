// Prints how much script the first screen downloads (gzipped) and fails above the budget.
// The first screen loads the scripts index.html names (entry + modulepreloads); lazy chunks
// such as LiveKit's are not counted — they load only when a call needs them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const BUDGET_KB = 100;
const dist = new URL('../dist/', import.meta.url).pathname;
const html = readFileSync(join(dist, 'index.html'), 'utf8');
const scripts = [
  ...html.matchAll(/<script[^>]+src="\/?([^"]+\.js)"/g),
  ...html.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="\/?([^"]+\.js)"/g),
].map((m) => m[1]);

let total = 0;
for (const file of new Set(scripts)) {
  const size = gzipSync(readFileSync(join(dist, file)), { level: 9 }).length;
  total += size;
  console.log(`  ${file}  ${(size / 1000).toFixed(1)} kB gzipped`);
}
const kb = total / 1000; // kB as Vite reports them
console.log(`first screen script: ${kb.toFixed(1)} kB gzipped (budget ${BUDGET_KB} kB)`);
if (scripts.length === 0 || kb > BUDGET_KB) {
  console.error(scripts.length === 0 ? 'no script found in dist/index.html' : 'over budget');
  process.exit(1);
}
