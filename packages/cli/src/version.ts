import { readFileSync } from 'node:fs';

/** The CLI's version, read from its package.json without loading anything else. */
export function cliVersion(): string {
  const file = new URL('../package.json', import.meta.url);
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}
