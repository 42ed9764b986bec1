export { runFastPath } from './fast-path.js';
export { runCli } from './main.js';
