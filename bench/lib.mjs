// What every bench script shares: the project root, the built bin, the median.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The built factory bin; a bench cannot run without it, so a missing one ends the bench with exit 2. */
export function builtBin(bench) {
  const bin = join(projectRoot, 'packages/cli/dist/bin.js');
  if (!existsSync(bin)) {
    console.error(`bench/${bench}: packages/cli/dist/bin.js is missing; run npm run build first.`);
    process.exit(2);
  }
  return bin;
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * The peers of the gate benches, from the npm registry: husky, lint-staged, lefthook (its binary comes in
 * lefthook-<platform>) and prek (@j178/prek-<platform>), installed once with --ignore-scripts into a cache
 * folder in the temp directory. A missing platform binary ends the bench with exit 2.
 */
export function benchTools(bench) {
  const versions = { husky: '9.1.7', 'lint-staged': '16.4.0', lefthook: '2.2.2', '@j178/prek': '0.5.3' };
  const tools = join(tmpdir(), `factory-bench-tools-${Object.values(versions).join('-')}`);
  const arch = process.arch === 'arm64' ? 'arm64' : 'x64';
  if (!existsSync(join(tools, 'node_modules/.installed'))) {
    mkdirSync(tools, { recursive: true });
    writeFileSync(join(tools, 'package.json'), '{"name":"factory-bench-tools","private":true}\n');
    const specs = Object.entries(versions).map(([name, version]) => `${name}@${version}`);
    console.log(`bench/${bench}: installing ${specs.join(' ')} into ${tools}`);
    execFileSync(
      'npm',
      ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error', ...specs],
      {
        cwd: tools,
        stdio: 'inherit',
      },
    );
    writeFileSync(join(tools, 'node_modules/.installed'), '');
  }
  const lefthookBin = join(tools, `node_modules/lefthook-linux-${arch}/bin/lefthook`);
  const prekBin = join(tools, `node_modules/@j178/prek-linux-${arch}-gnu/prek`);
  for (const native of [lefthookBin, prekBin]) {
    if (!existsSync(native)) {
      console.error(
        `bench/${bench}: ${native} is missing (the binary comes in a platform package of the registry)`,
      );
      process.exit(2);
    }
  }
  return { tools, lefthookBin, prekBin };
}
