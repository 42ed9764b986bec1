import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModelScript } from '@factory/agent/model-server/script';
import {
  type RoutedScript,
  type ScriptedModelServer,
  startScriptedModelServer,
} from '@factory/agent/model-server/server';
import {
  type CliResult,
  claudeBin,
  type FakeCheck,
  type ForgeServer,
  isolatedGitEnv,
  runFactory,
  runFactoryAsync,
  startForgeServer,
} from '@factory/testkit';

/**
 * A small fleet for loop tests: real git repositories with bare remotes, each set up by `factory init`,
 * a manifest naming them as GitHub (or GitLab) repositories `acme/<name>`, the loopback forge (its requests' heads
 * read from the bare remotes), and the scripted model server routing each session to the script whose
 * marker its prompt contains.
 */
export interface LoopFleet {
  readonly root: string;
  readonly home: string;
  readonly factoryHome: string;
  readonly repos: Record<string, string>;
  readonly bares: Record<string, string>;
  readonly forge: ForgeServer;
  readonly model: ScriptedModelServer;
  readonly scripts: RoutedScript[];
  readonly env: NodeJS.ProcessEnv;
  factory(args: readonly string[], cwd: string, timeoutMs?: number): Promise<CliResult>;
  factorySync(args: readonly string[], cwd: string): CliResult;
  git(cwd: string, ...args: string[]): string;
  close(): Promise<void>;
}

export async function makeLoopFleet(
  names: readonly string[],
  options: {
    init?: boolean;
    checksOnOpen?: () => FakeCheck[];
    /** Repositories (of `names`) on GitLab as `acme/<name>`, each with this merge policy of the manifest. */
    gitlab?: Record<string, Record<string, unknown>>;
  } = {},
): Promise<LoopFleet> {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'factory-loop-')));
  const home = join(root, 'home');
  const factoryHome = join(home, '.config', 'factory');
  mkdirSync(factoryHome, { recursive: true });
  const gitEnv = isolatedGitEnv(home);
  const git = (cwd: string, ...args: string[]) =>
    execFileSync('git', args, { cwd, env: gitEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const repos: Record<string, string> = {};
  const bares: Record<string, string> = {};
  for (const name of names) {
    const dir = join(root, name);
    const bare = join(root, 'remotes', `${name}.git`);
    mkdirSync(dir, { recursive: true });
    mkdirSync(bare, { recursive: true });
    git(bare, 'init', '--quiet', '--bare', '--initial-branch', 'main');
    git(dir, 'init', '--quiet', '--initial-branch', 'main');
    git(dir, 'config', 'commit.gpgsign', 'false');
    writeFileSync(join(dir, 'README.md'), `# ${name}\n`);
    git(dir, 'add', '-A');
    git(dir, 'commit', '--quiet', '-m', 'initial');
    git(dir, 'remote', 'add', 'origin', bare);
    git(dir, 'push', '--quiet', '-u', 'origin', 'main');
    repos[name] = dir;
    bares[name] = bare;
  }
  const scripts: RoutedScript[] = [];
  const model = await startScriptedModelServer({
    script: { turns: [], finalText: 'Nothing to do.' },
    scripts,
  });
  const forge = await startForgeServer({
    ...(options.checksOnOpen ? { checksOnOpen: options.checksOnOpen } : {}),
    branchHead: (_forge, project, branch) => {
      const name = project.split('/')[1]!;
      try {
        return git(bares[name]!, 'rev-parse', '--verify', '--quiet', `refs/heads/${branch}`).trim();
      } catch {
        return undefined;
      }
    },
  });
  const onGitlab = options.gitlab ?? {};
  for (const name of names) forge.project(name in onGitlab ? 'gitlab' : 'github', `acme/${name}`);
  writeFileSync(
    join(factoryHome, 'repos.yaml'),
    [
      'version: 1',
      'defaults:',
      '  forge: github',
      '  review:',
      '    authors: ["*"]',
      'repositories:',
      ...names.flatMap((name) => [
        `  - path: ${repos[name]}`,
        `    project: acme/${name}`,
        ...(name in onGitlab
          ? ['    forge: gitlab', `    review: ${JSON.stringify({ authors: ['*'], ...onGitlab[name] })}`]
          : []),
      ]),
      '',
    ].join('\n'),
  );
  const env: NodeJS.ProcessEnv = {
    ...gitEnv,
    FACTORY_HOME: factoryHome,
    FACTORY_CLAUDE: claudeBin,
    GITHUB_API_URL: forge.githubApiUrl,
    GITHUB_TOKEN: 'loop-test-token',
    GITLAB_HOST: forge.gitlabHost,
    GITLAB_TOKEN: 'loop-test-gitlab-token',
    FACTORY_FORGE_WRITE_SPACING_MS: '0',
    ANTHROPIC_BASE_URL: model.url,
    ANTHROPIC_API_KEY: 'scripted-model-server',
    DISABLE_AUTOUPDATER: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
  };
  for (const key of Object.keys(env))
    if (key.startsWith('CLAUDE_CODE_') && key !== 'CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC') delete env[key];
  if (options.init !== false) {
    for (const name of names) {
      const init = runFactory(['init', '--yes'], { cwd: repos[name]!, env });
      if (init.status !== 0) throw new Error(`factory init failed in ${name}: ${init.stderr}`);
    }
  }
  return {
    root,
    home,
    factoryHome,
    repos,
    bares,
    forge,
    model,
    scripts,
    env,
    factory: (args, cwd, timeoutMs = 180_000) => runFactoryAsync(args, { cwd, env, timeoutMs }),
    factorySync: (args, cwd) => runFactory(args, { cwd, env }),
    git,
    close: async () => {
      await model.close();
      await forge.close();
      // FACTORY_TEST_KEEP=1 keeps the scratch folder (repositories, remotes, session streams) and the model
      // server's requests (every tool result the sessions reported), for a post-mortem of a flaky run.
      if (process.env.FACTORY_TEST_KEEP) {
        writeFileSync(join(root, 'model-requests.json'), JSON.stringify(model.requests, null, 1));
        process.stderr.write(`factory-loop fixture kept: ${root}\n`);
        return;
      }
      rmSync(root, { recursive: true, force: true, maxRetries: 10, retryDelay: 300 });
    },
  };
}

/** Writes a `loop` section into the factory config of each repository (personal mode keeps it out of git). */
export function configureLoop(fleet: LoopFleet, loop: Record<string, unknown>): void {
  for (const dir of Object.values(fleet.repos)) {
    const file = join(dir, 'factory.config.json');
    const config = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    config.loop = loop;
    writeConfigText(fleet, dir, `${JSON.stringify(config, null, 2)}\n`);
  }
}

/**
 * Writes a repository's config as a human does: the file, then `factory init` to take the change on (a
 * config that differs from what init recorded is tamper evidence, and every gate and call is refused).
 */
export function writeConfigText(fleet: LoopFleet, dir: string, text: string): void {
  writeFileSync(join(dir, 'factory.config.json'), text);
  const init = fleet.factorySync(['init', '--yes'], dir);
  if (init.status !== 0) throw new Error(`factory init failed in ${dir}: ${init.stderr}`);
}

/** A script that appends a line to a file, commits it, and says it is done. */
export function commitScript(file: string, line: string, message: string): ModelScript {
  return {
    turns: [
      {
        toolCalls: [
          {
            name: 'Bash',
            input: {
              command: `printf '%s\\n' '${line}' >> ${file} && git add ${file} && git commit -q -m '${message}'`,
              description: 'Make and commit the change',
            },
          },
        ],
      },
    ],
    finalText: 'Done: the change is committed.',
  };
}
