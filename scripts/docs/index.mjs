// Every generated reference in docs/: { file, render() } each.
import * as cliReference from './cli-reference.mjs';

export const generators = [cliReference];
