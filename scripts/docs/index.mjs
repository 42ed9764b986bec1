// Every generated reference in docs/: { file, render() } each.
import * as cliReference from './cli-reference.mjs';
import * as workflows from './workflows.mjs';

export const generators = [cliReference, workflows];
