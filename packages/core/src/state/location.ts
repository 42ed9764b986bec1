/**
 * Where a repository's workflow state lives, decided in one place for every command: the environment's
 * `FACTORY_STATE_URL` wins, else the config's `state.url`, else nothing (the repository's
 * `.factory/state.db`). A postgres:// URL puts tasks, leases and their log on PostgreSQL, and the commands
 * that record gate runs, guard decisions, reviews and sweeps ship copies there.
 */
export interface StateLocation {
  readonly url?: string;
  /** Where the URL came from, named in the error when it is not one (e.g. `FACTORY_STATE_URL`). */
  readonly source?: string;
}

/** The URL the environment sets, if any (blank counts as unset). */
function urlFromEnv(env: NodeJS.ProcessEnv): StateLocation | undefined {
  const url = env.FACTORY_STATE_URL?.trim();
  return url ? { url, source: 'FACTORY_STATE_URL' } : undefined;
}

/**
 * The rule itself, for a caller that has the config at hand: the environment first, then the config's
 * `state.url` (`file` is the config file it came from, for messages).
 */
export function chooseStateLocation(
  env: NodeJS.ProcessEnv,
  config: { readonly url?: string | undefined; readonly file?: string | undefined } = {},
): StateLocation {
  const fromEnv = urlFromEnv(env);
  if (fromEnv) return fromEnv;
  if (!config.url) return {};
  return { url: config.url, source: `state.url in ${config.file ?? 'the config'}` };
}

/** The `state.url` of a loaded config (the schema checks that it is a postgres:// string). */
export function configStateUrl(config: Readonly<Record<string, unknown>>): string | undefined {
  const state = config.state as { url?: unknown } | undefined;
  return typeof state?.url === 'string' && state.url !== '' ? state.url : undefined;
}

/**
 * Where the state of `root` lives (`root` undefined: a command run outside any repository, where only the
 * environment can say). The config is loaded only when the environment does not decide; a config that
 * cannot be read throws its FactoryError (exit 2).
 */
export async function resolveStateLocation(
  root: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<StateLocation> {
  const fromEnv = urlFromEnv(env);
  if (fromEnv || root === undefined) return fromEnv ?? {};
  const { loadConfig } = await import('../config/load.js');
  const loaded = await loadConfig({ cwd: root });
  return chooseStateLocation(env, { url: configStateUrl(loaded.config), file: loaded.file });
}
