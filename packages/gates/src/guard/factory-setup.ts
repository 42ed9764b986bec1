import { installedPackageName } from '@factory/core/config/control-files';
import type { Hit, Rule } from './policy.js';

/**
 * factory's own commands that take the gates or the guard down, run by the agent: `factory uninstall`
 * (removes the hooks, the guard's entries and the control record), and `factory init` with the options
 * that weaken what it installs (`--force`: another hook manager's hooks stop running; `--team`/`--personal`:
 * the committed setup is rewritten or removed). A plain `factory init` re-installs what is there and passes
 * (the guard refuses it, with every other call, while the control files differ from the record: see
 * hook/handlers/pre-tool-use.ts). `--dry-run` and `--help` change nothing.
 */

/** The names the factory bin runs under: the bin itself and the published package (`npx code-factory-cli`). */
const FACTORY_PROGRAMS = new Set(['factory', installedPackageName]);
const INIT_WEAKENING = /^--(force|team|personal)(=.*)?$/;
const CHANGES_NOTHING = /^(--dry-run|--help|-h)(=.*)?$/;

export const factorySetup: Rule = {
  id: 'factory-setup',
  category: 'self',
  description: 'the agent uninstalling factory or re-installing it with weaker options',
  decision: 'deny',
  alternative:
    'The gates and the guard are the human’s to remove or reconfigure: ask the human to run factory uninstall, or factory init with these options, in a terminal (factory init --dry-run shows what it would change)',
  tools: ['Bash', 'PowerShell'],
  check(input) {
    const hits: Hit[] = [];
    for (const inv of input.analysis?.invocations ?? []) {
      if (!FACTORY_PROGRAMS.has(inv.program)) continue;
      const words = inv.args.map((arg) => arg.value);
      // The first word that is not an option is the command (`factory --cwd x uninstall` too).
      const at = words.findIndex(
        (word, i) => word === undefined || (!word.startsWith('-') && words[i - 1] !== '--cwd'),
      );
      const command = at < 0 ? undefined : words[at];
      if (at >= 0 && command === undefined) {
        hits.push({ detail: `${inv.program} with a command only known at run time` });
        continue;
      }
      if (words.some((word) => word !== undefined && CHANGES_NOTHING.test(word))) continue;
      if (command === 'uninstall')
        hits.push({ detail: `${inv.program} uninstall removes the gates, the guard and the control record` });
      if (command === 'init')
        for (const word of words)
          if (word === undefined)
            hits.push({ detail: `${inv.program} init with an option only known at run time` });
          else if (INIT_WEAKENING.test(word))
            hits.push({
              detail: `${inv.program} init ${word} ${
                word.startsWith('--force')
                  ? 'stops another hook manager’s hooks from running'
                  : 'rewrites or removes the committed setup'
              }`,
            });
    }
    return hits;
  },
};
