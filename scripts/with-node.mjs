#!/usr/bin/env node
// Runs node with the given arguments on a Node.js that factory supports (>= 22.22): this one when it is
// new enough, else the Node 24 that scripts/provision-node.sh provisions into .toolchain/ from the npm
// registry (the system Node stays as it is). The provisioned node's folder goes first on PATH for the
// child, so that what it starts (git hooks, factory init recording its node) uses it too.
//   node scripts/with-node.mjs [node arguments...]      e.g. in package.json: "test": "node scripts/with-node.mjs --test ..."
// Plain JavaScript that any Node.js with npm runs: it is what makes an old Node usable.
import { spawnSync } from 'node:child_process';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
const supported = major > 22 || (major === 22 && minor >= 22);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
let node = process.execPath;
const env = { ...process.env };
if (!supported) {
  const provisioned = spawnSync('bash', [join(root, 'scripts/provision-node.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const bin = provisioned.stdout.trim();
  if (provisioned.status !== 0 || !bin) {
    console.error(
      `with-node: this is Node.js ${process.version}, factory needs 22.22 or newer, and provisioning Node 24 failed (above); install Node 24 and run again.`,
    );
    process.exit(2);
  }
  console.error(
    `with-node: Node.js ${process.version} is too old for factory; using the provisioned ${bin}/node.`,
  );
  node = join(bin, 'node');
  env.PATH = `${bin}${delimiter}${env.PATH ?? ''}`;
}
const result = spawnSync(node, process.argv.slice(2), { stdio: 'inherit', env });
if (result.error) {
  console.error(`with-node: could not start ${node} (${result.error.message}).`);
  process.exit(2);
}
process.exit(result.status ?? (result.signal ? 1 : 0));
