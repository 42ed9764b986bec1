#!/usr/bin/env node
// The hooks start a fresh process on every tool call and commit: cache compiled code between them.
// Enabled before anything else is imported, so that every later module benefits. In a folder beside this
// file, not Node's default under the temp folder: compiled code is trusted as it is, so it must be no
// more writable by the agent than the code itself (fast-path.ts says where that is protected).
// NODE_COMPILE_CACHE, when set, was enabled by Node before this file ran and stays in force. No static
// import: an ESM import of node:module builds the namespace of its every export, on every hook and gate
// call; getBuiltinModule (absent before Node 22.3, which is refused below) does not.
process
  .getBuiltinModule?.('node:module')
  .enableCompileCache?.(decodeURIComponent(new URL('./.compile-cache', import.meta.url).pathname));

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
