import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { homeStoreOf, homeStoreWithin } from './home-stores.js';
import { isInside, protectedRoots } from './paths.js';
import type { Hit, Rule, RuleInput } from './policy.js';
import type { Invocation } from './shell/analyze.js';

/**
 * Programs that run a command where the guard cannot follow it, or somewhere the sandbox does not reach:
 * `npm explore PKG -- CMD` (a shell command in node_modules/PKG), `npm run --script-shell=PROGRAM` and
 * `npm_config_script_shell=PROGRAM` (every script line handed to an arbitrary program), and a container
 * with a writable bind mount of a folder that holds the control files or the home folder (`docker run -v
 * $PWD:/w alpine rm -rf /w/.husky`): the container's processes are the daemon's, outside Claude Code's
 * sandbox, so its read-only control files do not hold there.
 */

const PACKAGE_MANAGERS = new Set(['npm', 'pnpm', 'yarn', 'bun', 'cnpm']);
const CONTAINER_TOOLS = new Set(['docker', 'podman', 'nerdctl']);
const CONTAINER_RUNS = new Set(['run', 'create']);

export const runsElsewhere: Rule = {
  id: 'runs-elsewhere',
  category: 'unanalysable',
  description:
    'npm explore, a script shell of its own, and a container with a writable mount of the project or the home folder',
  decision: 'deny',
  alternative:
    'Run the command itself, plainly (cd node_modules/PKG && CMD; npm run SCRIPT without --script-shell); mount the project read-only (-v "$PWD":/app:ro) or only the folder the container needs (-v "$PWD/src":/app/src)',
  tools: ['Bash', 'PowerShell'],
  check(input) {
    const hits: Hit[] = [];
    for (const inv of input.analysis?.invocations ?? []) {
      if (PACKAGE_MANAGERS.has(inv.program)) hits.push(...packageManagerHits(inv));
      if (CONTAINER_TOOLS.has(inv.program)) hits.push(...mountHits(input, inv));
    }
    return hits;
  },
};

function packageManagerHits(inv: Invocation): Hit[] {
  const hits: Hit[] = [];
  const words = inv.args.map((arg) => arg.value);
  const verb = words.find((word) => word === undefined || !word.startsWith('-'));
  if (verb === 'explore')
    hits.push({ detail: `${inv.program} explore runs a shell command inside a package's folder` });
  if (words.some((word) => word !== undefined && /^--script-shell(=|$)/.test(word)))
    hits.push({ detail: `${inv.program} --script-shell hands every script line to another program` });
  for (const [name, value] of inv.env)
    if (/^npm_config_script_shell$/i.test(name) && value !== 'sh' && value !== '/bin/sh')
      hits.push({ detail: `${name} hands every script line of ${inv.program} to another program` });
  return hits;
}

/** Options of `docker run` that take the next word as their value (so that it is not the image). */
const RUN_VALUED =
  /^(-[aehlmpuvw]|--(add-host|attach|cap-add|cap-drop|cgroup-parent|cidfile|cpus?|cpu-shares|cpuset-cpus|device|dns|entrypoint|env|env-file|expose|gpus|group-add|health-cmd|hostname|ip|label|link|log-driver|log-opt|memory|mount|name|network|platform|publish|pull|restart|runtime|security-opt|shm-size|stop-signal|tmpfs|ulimit|user|volume|volumes-from|workdir))$/;

function mountHits(input: RuleInput, inv: Invocation): Hit[] {
  const words = inv.args.map((arg) => arg.value);
  const verbAt = words.findIndex((word) => word !== undefined && !word.startsWith('-'));
  const verb = words[verbAt];
  const sub = verb === 'container' ? words[verbAt + 1] : verb;
  if (sub === undefined || !CONTAINER_RUNS.has(sub)) return [];
  const hits: Hit[] = [];
  const cwd = inv.cwd ?? input.cwd;
  const home = input.home || homedir();
  const judge = (source: string | undefined, readOnly: boolean, raw: string) => {
    if (source !== undefined && /^[./~]/.test(source)) {
      // A home credential store mounted at all, read-only too: the container reads it unguarded.
      const path = resolve(cwd, source.replace(/^~(?=\/|$)/, home));
      const rel = path === home ? '' : path.startsWith(`${home}/`) ? path.slice(home.length + 1) : undefined;
      const store = rel === undefined ? undefined : (homeStoreOf(rel) ?? homeStoreWithin(rel));
      if (store) {
        hits.push({
          detail: `${inv.program} ${sub} ${raw} mounts ~/${store.path}, which ${store.why}, into the container`,
        });
        return;
      }
    }
    if (readOnly) return;
    if (source === undefined) {
      hits.push({
        detail: `${inv.program} ${sub} mounts a folder only known at run time, writable`,
        decision: input.config.unanalysable,
      });
      return;
    }
    // A named volume (no slash, no dot start) is the engine's own storage.
    if (!/^[./~]/.test(source) && !source.startsWith('$')) return;
    const path = resolve(cwd, source.replace(/^~(?=\/|$)/, home));
    const holds = protectedRoots({ repoRoot: input.repoRoot, home }).find(
      (root) => isInside(root, path) || isInside(path, root),
    );
    if (holds || path === home || isInside(home, path))
      hits.push({
        detail: `${inv.program} ${sub} ${raw} mounts ${path} writable into the container, whose processes the sandbox does not cover (it holds ${holds ?? 'the home folder'})`,
      });
  };
  for (let i = verbAt + 1; i < inv.args.length; i++) {
    const text = words[i];
    if (text === undefined) continue;
    if (!text.startsWith('-')) {
      if (i > verbAt + (verb === 'container' ? 1 : 0)) break; // the image: what follows is its command
      continue;
    }
    const [name, attached] = text.includes('=')
      ? [text.slice(0, text.indexOf('=')), text.slice(text.indexOf('=') + 1)]
      : [text, undefined];
    const value = attached ?? (RUN_VALUED.test(name) ? words[i + 1] : undefined);
    const raw = attached !== undefined ? text : `${text} ${inv.args[i + 1]?.raw ?? ''}`;
    if (name === '-v' || name === '--volume') {
      if (value === undefined) judge(undefined, false, raw);
      else {
        const parts = value.split(':');
        if (parts.length >= 2) judge(parts[0], /(^|,)ro(,|$)/.test(parts[2] ?? ''), raw);
      }
    } else if (name === '--mount') {
      if (value === undefined) judge(undefined, false, raw);
      else {
        const fields = new Map(
          value.split(',').map((field) => {
            const eq = field.indexOf('=');
            return [eq < 0 ? field : field.slice(0, eq), eq < 0 ? 'true' : field.slice(eq + 1)] as const;
          }),
        );
        const type = fields.get('type') ?? 'volume';
        const readOnly = ['readonly', 'ro'].some((key) => fields.has(key) && fields.get(key) !== 'false');
        if (type === 'bind') judge(fields.get('source') ?? fields.get('src'), readOnly, raw);
      }
    }
    if (attached === undefined && RUN_VALUED.test(name)) i++;
  }
  return hits;
}
