// Renders evals/scenario.schema.json from the scenario schema in packages/agent (built), for editors
// (`# yaml-language-server: $schema=scenario.schema.json` at the top of a scenario): `npm run docs`
// writes it, and the docs drift test fails when the file differs from this rendering.
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const file = 'evals/scenario.schema.json';

export async function render() {
  const { scenarioSchema } = await import(
    pathToFileURL(join(root, 'packages/agent/dist/eval/scenario-schema.js')).href
  );
  return `${JSON.stringify(scenarioSchema, null, 2)}\n`;
}
