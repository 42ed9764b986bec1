import { fileURLToPath } from 'node:url';

/**
 * The factory bin file that hooks written by init call: `dist/bin.js` beside this module, in the source
 * tree's build and in the packed factory alike (a path relative to a module in a subfolder would not be).
 */
export function factoryBinPath(): string {
  return fileURLToPath(new URL('./bin.js', import.meta.url));
}
