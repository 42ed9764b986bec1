#!/usr/bin/env node
import module from 'node:module';

// The hooks start a fresh process on every tool call and commit: cache compiled code between them.
// Enabled before anything else is imported, so that every later module benefits.
module.enableCompileCache?.();

const argv = process.argv.slice(2);
const { runFastPath } = await import('./fast-path.js');
const fast = await runFastPath(argv);
if (fast !== undefined) {
  // Hooks and gates end here at once: their state.db connection is left to the exit (StateStore's
  // leaveOpenAtExit, which needs process.exit), and their output is written synchronously by now.
  if (argv[0] === 'hook' || argv[0] === 'gate') process.exit(fast);
  process.exitCode = fast;
} else {
  const { runCli } = await import('./main.js');
  process.exitCode = await runCli(argv);
}
