import { basename } from 'node:path';
import { packageJsonConfigKey } from '@factory/core/config/control-files';
import { prepareScript } from './control-writers.js';
import { isInside } from './paths.js';
import type { Hit, Rule, RuleInput } from './policy.js';

/**
 * package.json's `factory` key is a config search place, but package.json itself is everyday work (scripts,
 * dependencies), so protected-files leaves it alone. This rule judges the effect of a Write, Edit or
 * MultiEdit of a package.json in the repository: it applies the change to the file as it is and refuses when
 * the `factory` key's value would differ (added, changed or removed). Shell edits of it are caught after
 * the fact by tamper evidence (the key is recorded at init).
 */

type Json = unknown;

function parse(text: string | undefined): { value: Json } | undefined {
  if (text === undefined) return undefined;
  try {
    return { value: JSON.parse(text) as Json };
  } catch {
    return undefined;
  }
}

function factoryKey(value: Json): string {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return 'undefined';
  return JSON.stringify((value as Record<string, Json>)[packageJsonConfigKey]) ?? 'undefined';
}

interface Replacement {
  readonly old: string;
  readonly next: string;
  readonly all: boolean;
}

function replacements(input: RuleInput): Replacement[] | undefined {
  const data = input.call.input;
  const one = (edit: Record<string, unknown>): Replacement | undefined =>
    typeof edit.old_string === 'string' && typeof edit.new_string === 'string'
      ? { old: edit.old_string, next: edit.new_string, all: edit.replace_all === true }
      : undefined;
  if (input.call.tool === 'Edit') {
    const edit = one(data);
    return edit ? [edit] : undefined;
  }
  if (input.call.tool === 'MultiEdit' && Array.isArray(data.edits)) {
    const edits = data.edits.map((edit) =>
      edit && typeof edit === 'object' ? one(edit as Record<string, unknown>) : undefined,
    );
    return edits.every((edit) => edit !== undefined) ? (edits as Replacement[]) : undefined;
  }
  return undefined;
}

export const packageJsonConfig: Rule = {
  id: 'package-json-config',
  category: 'gate-skip',
  description:
    'Write/Edit of package.json that adds, changes or removes its factory key (a config search place)',
  decision: 'deny',
  alternative:
    "Change package.json's other keys as you need (scripts, dependencies); its factory key configures the gates and the guard, so ask the human to change it",
  tools: ['Write', 'Edit', 'MultiEdit'],
  check(input) {
    const hits: Hit[] = [];
    for (const file of input.files) {
      if (!file.write || basename(file.path) !== 'package.json') continue;
      if (!input.repoRoot || !isInside(file.path, input.repoRoot)) continue;
      const current = input.readFile(file.path);
      let next: string | undefined;
      if (input.call.tool === 'Write') next = file.content ?? '';
      else {
        const edits = replacements(input);
        if (current === undefined || edits === undefined) continue;
        next = current;
        for (const edit of edits)
          next = edit.all ? next.split(edit.old).join(edit.next) : next.replace(edit.old, () => edit.next);
      }
      // The prepare script runs at every install; husky installs the hooks from it on a fresh clone.
      const prepare = current === undefined ? undefined : prepareScript(current);
      const nextPrepare = prepareScript(next);
      if (prepare !== undefined && nextPrepare !== undefined && prepare !== nextPrepare)
        hits.push({
          detail: `${input.call.tool} ${file.path} changes its prepare script, which runs at every install and is where husky installs the git hooks on a fresh clone`,
        });
      const before = factoryKey(parse(current)?.value);
      const afterParsed = parse(next);
      // A package.json that is no longer JSON: the config cannot be read at all, so the key is gone.
      const after = afterParsed
        ? factoryKey(afterParsed.value)
        : before === 'undefined'
          ? 'undefined'
          : 'unreadable';
      if (before !== after)
        hits.push({
          detail: `${input.call.tool} ${file.path} ${before === 'undefined' ? 'adds' : after === 'undefined' ? 'removes' : 'changes'} its ${packageJsonConfigKey} key, a place of the gates' and the guard's configuration`,
        });
    }
    return hits;
  },
};
