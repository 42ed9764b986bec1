#!/usr/bin/env node
// The hooks start a fresh process on every tool call and commit: cache compiled code between them.
// Enabled before anything else is imported, so that every later module benefits. No static import: an ESM
// import of node:module builds the namespace of its every export, on every hook and gate call;
// getBuiltinModule (absent before Node 22.3, which is refused below) does not.
process.getBuiltinModule?.('node:module').enableCompileCache?.();

// factory needs node:sqlite and current libraries: an older Node gets one sentence, and exit 2, which also
// makes every hook refuse instead of letting a call or a commit through.
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 22)) {
  process.stderr.write(
    `factory: this is Node.js ${process.version}, and factory needs Node.js 22.22 or newer (24 LTS recommended); install it, or put the one from scripts/provision-node.sh first on PATH.\n`,
  );
  process.exit(2);
}

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
