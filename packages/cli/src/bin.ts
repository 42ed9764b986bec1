#!/usr/bin/env node
import { runFastPath } from './fast-path.js';

const argv = process.argv.slice(2);
const fast = await runFastPath(argv);
if (fast !== undefined) {
  process.exitCode = fast;
} else {
  const { runCli } = await import('./main.js');
  process.exitCode = await runCli(argv);
}
