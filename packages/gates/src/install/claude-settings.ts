import { ExitCode, FactoryError } from '@factory/core/errors';
import { type ClaudeHookEntries, factoryEntryMarker, type HookMatcherGroup } from '../guard/hook-entries.js';
import { messages } from '../messages.js';
import type { OwnedClaudeSettings } from './claude-engines.js';

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
 * removes factory's entries (a mode change moves them to the other file), and its permission rules and
 * sandbox values with them. `owned`: the permission rules and sandbox values factory adds; `previous`:
 * what an earlier init added (from the control record), removed first so that stale values go.
 */
export function mergeSettings(
  settings: Json,
  entries: ClaudeHookEntries | undefined,
  owned?: OwnedClaudeSettings,
  previous?: OwnedClaudeSettings,
): Json {
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
  const stale = [previous, owned].filter((o): o is OwnedClaudeSettings => o !== undefined);
  const add = entries ? owned : undefined;
  mergePermissions(out, stale, add);
  mergeSandbox(out, stale, add);
  return out;
}

/** `list` without the values of `remove`, then with those of `add` (in order, once each). */
function relist(list: unknown, remove: readonly string[], add: readonly string[]): unknown[] {
  const kept = (Array.isArray(list) ? list : []).filter(
    (value) => typeof value !== 'string' || !remove.includes(value),
  );
  for (const value of add) if (!kept.includes(value)) kept.push(value);
  return kept;
}

function setOrDrop(target: Json, key: string, value: unknown[] | Json): void {
  const empty = Array.isArray(value) ? value.length === 0 : Object.keys(value).length === 0;
  if (empty) delete target[key];
  else target[key] = value;
}

function mergePermissions(
  out: Json,
  stale: readonly OwnedClaudeSettings[],
  add: OwnedClaudeSettings | undefined,
): void {
  if (!isObject(out.permissions) && !add) return;
  const permissions: Json = isObject(out.permissions) ? { ...out.permissions } : {};
  const deny = relist(
    permissions.deny,
    stale.flatMap((o) => o.deny),
    add?.deny ?? [],
  );
  setOrDrop(permissions, 'deny', deny);
  setOrDrop(out, 'permissions', permissions);
}

/** The sandbox switches factory sets when it owns the sandbox. */
const sandboxSwitches = { enabled: true, failIfUnavailable: true, allowUnsandboxedCommands: false } as const;

function mergeSandbox(
  out: Json,
  stale: readonly OwnedClaudeSettings[],
  add: OwnedClaudeSettings | undefined,
): void {
  const wasOwned = stale.some((o) => o.sandbox);
  if (!isObject(out.sandbox) && !add?.sandbox) return;
  const sandbox: Json = isObject(out.sandbox) ? { ...out.sandbox } : {};
  const filesystem: Json = isObject(sandbox.filesystem) ? { ...sandbox.filesystem } : {};
  const network: Json = isObject(sandbox.network) ? { ...sandbox.network } : {};
  const old = (key: 'denyWrite' | 'denyRead' | 'allowedDomains' | 'allowWrite') =>
    stale.flatMap((o) => o.sandbox?.[key] ?? []);
  setOrDrop(
    filesystem,
    'denyWrite',
    relist(filesystem.denyWrite, old('denyWrite'), add?.sandbox?.denyWrite ?? []),
  );
  setOrDrop(
    filesystem,
    'allowWrite',
    relist(filesystem.allowWrite, old('allowWrite'), add?.sandbox?.allowWrite ?? []),
  );
  setOrDrop(
    filesystem,
    'denyRead',
    relist(filesystem.denyRead, old('denyRead'), add?.sandbox?.denyRead ?? []),
  );
  setOrDrop(
    network,
    'allowedDomains',
    relist(network.allowedDomains, old('allowedDomains'), add?.sandbox?.allowedDomains ?? []),
  );
  if (add?.sandbox) Object.assign(sandbox, sandboxSwitches);
  else if (wasOwned) for (const key of Object.keys(sandboxSwitches)) delete sandbox[key];
  setOrDrop(sandbox, 'filesystem', filesystem);
  setOrDrop(sandbox, 'network', network);
  setOrDrop(out, 'sandbox', sandbox);
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
