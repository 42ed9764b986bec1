import { ExitCode, FactoryError } from '@factory/core/errors';
import { type ClaudeHookEntries, factoryEntryMarker, type HookMatcherGroup } from '../guard/hook-entries.js';
import { messages } from '../messages.js';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isFactoryHook(hook: unknown): boolean {
  return (
    isObject(hook) && typeof hook.command === 'string' && hook.command.includes(`: ${factoryEntryMarker};`)
  );
}

/** Parses a settings file, refusing anything that is not a JSON object with a well-formed `hooks`. */
export function parseSettings(text: string | undefined, file: string): Json {
  if (text === undefined || text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new FactoryError(messages.settingsNotJson(file, (error as Error).message), ExitCode.usage);
  }
  if (!isObject(parsed))
    throw new FactoryError(messages.settingsWrongShape(file, 'the top level must be an object'));
  if (parsed.hooks !== undefined) {
    if (!isObject(parsed.hooks))
      throw new FactoryError(messages.settingsWrongShape(file, '"hooks" must be an object'));
    for (const [event, groups] of Object.entries(parsed.hooks)) {
      if (!Array.isArray(groups)) {
        throw new FactoryError(messages.settingsWrongShape(file, `"hooks.${event}" must be an array`));
      }
    }
  }
  return parsed;
}

/** Removes factory's own entries (they carry the marker) and the groups they leave empty. */
function withoutFactory(groups: readonly unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const group of groups) {
    if (!isObject(group) || !Array.isArray(group.hooks)) {
      out.push(group);
      continue;
    }
    const kept = group.hooks.filter((hook) => !isFactoryHook(hook));
    if (kept.length === group.hooks.length) out.push(group);
    else if (kept.length > 0) out.push({ ...group, hooks: kept });
  }
  return out;
}

/**
 * Merges factory's hook entries into a settings object: every other key and entry is kept as it is,
 * factory's earlier entries are replaced, so a second run gives the same bytes. `entries` undefined
 * removes factory's entries (a mode change moves them to the other file).
 */
export function mergeSettings(settings: Json, entries: ClaudeHookEntries | undefined): Json {
  const hooks: Json = isObject(settings.hooks) ? { ...settings.hooks } : {};
  for (const [event, groups] of Object.entries(hooks)) {
    const cleaned = withoutFactory(groups as unknown[]);
    if (cleaned.length === 0 && (groups as unknown[]).length > 0) delete hooks[event];
    else hooks[event] = cleaned;
  }
  for (const [event, groups] of Object.entries(entries ?? {})) {
    const existing = (hooks[event] as unknown[] | undefined) ?? [];
    hooks[event] = [...existing, ...(groups as readonly HookMatcherGroup[])];
  }
  const out: Json = { ...settings };
  if (Object.keys(hooks).length > 0) out.hooks = hooks;
  else delete out.hooks;
  return out;
}

export function serializeSettings(settings: Json): string {
  return `${JSON.stringify(settings, null, 2)}\n`;
}

/** True when the settings hold a factory entry for PreToolUse (doctor's check). */
export function hasFactoryGuard(settings: Json): boolean {
  const hooks = isObject(settings.hooks) ? settings.hooks : {};
  const groups = Array.isArray(hooks.PreToolUse) ? hooks.PreToolUse : [];
  return groups.some(
    (group) => isObject(group) && Array.isArray(group.hooks) && group.hooks.some(isFactoryHook),
  );
}
