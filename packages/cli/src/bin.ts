#!/usr/bin/env node
import module from 'node:module';

// The hooks start a fresh process on every tool call and commit: cache compiled code between them.
// Enabled before anything else is imported, so that every later module benefits.
module.enableCompileCache?.();

const argv = process.argv.slice(2);
const { runFastPath } = await import('./fast-path.js');
const fast = await runFastPath(argv);
if (fast !== undefined) {
  process.exitCode = fast;
} else {
  const { runCli } = await import('./main.js');
  process.exitCode = await runCli(argv);
}
