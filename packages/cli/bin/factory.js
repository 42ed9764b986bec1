#!/usr/bin/env node
// The `factory` bin of the workspace package. It is committed (dist/ is not), so that `npm install` in a
// fresh clone links node_modules/.bin/factory before the first build: the repository's own git hooks call it.
await import('../dist/bin.js');
