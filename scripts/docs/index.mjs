// Every generated reference in docs/: { file, render() } each.
import * as architecture from './architecture.mjs';
import * as cliReference from './cli-reference.mjs';
import * as evalSchema from './eval-schema.mjs';
import * as loop from './loop.mjs';
import * as workflows from './workflows.mjs';

export const generators = [cliReference, workflows, evalSchema, architecture, loop];
