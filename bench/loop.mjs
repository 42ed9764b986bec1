#!/usr/bin/env node
// bench/loop: what the loop costs around the model. N tasks spread over 10 repositories (each with a bare
// remote and a real `factory init`), the real Claude Code against the scripted model server (each session
// appends a line and commits it), the loopback forge merging through the manifest's policy, and
// `factory loop run --concurrency C --until-idle` from the first task to the last merge.
//
// Per task, from the task log and the work_sessions table:
//   session   the Claude Code session, start to end (its process, hooks and gates included; the scripted
//             model answers at once, so this is Claude Code's own time, not a model's)
//   overhead  the worker's time outside the session: claim to submit, minus the session (checks, worktree,
//             push with the pre-push gate, the forge calls, the state writes)
//   settle    submit to done: waiting for the next pass, the review, the merge, the reclaim
// and the wall time of the whole run. Defaults: BENCH_TASKS=1,10,50 BENCH_CONCURRENCY=1,4,8
// BENCH_REPOS=10. Run with `npm run bench:loop` (it builds first; tsx loads the test kit's forge).
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { builtBin, median, projectRoot } from './lib.mjs';

const bin = builtBin('loop');
const list = (raw, fallback) =>
  (raw ?? fallback)
    .split(',')
    .map(Number)
    .filter((n) => n > 0);
const taskCounts = list(process.env.BENCH_TASKS, '1,10,50');
const concurrencies = list(process.env.BENCH_CONCURRENCY, '1,4,8');
const repoCount = Number(process.env.BENCH_REPOS ?? 10);
const claude = join(projectRoot, 'node_modules', '.bin', 'claude');

const load = (path) => import(pathToFileURL(join(projectRoot, path)).href);
const { startScriptedModelServer } = await load('packages/agent/dist/model-server/server.js');
const { openRepositoryState } = await load('packages/core/dist/state/repository.js');
const { WorkSessions } = await load('packages/agent/dist/state/work-sessions.js');
const { startForgeServer } = await load('packages/testkit/src/forge-server.ts');

function gitEnv(home) {
  return {
    ...process.env,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'bench',
    GIT_AUTHOR_EMAIL: 'bench@factory.invalid',
    GIT_COMMITTER_NAME: 'bench',
    GIT_COMMITTER_EMAIL: 'bench@factory.invalid',
  };
}

async function scenario(tasks, concurrency) {
  const root = mkdtempSync(join(tmpdir(), 'factory-bench-loop-'));
  const home = join(root, 'home');
  const factoryHome = join(home, '.config', 'factory');
  mkdirSync(factoryHome, { recursive: true });
  const env0 = gitEnv(home);
  const git = (cwd, ...args) =>
    execFileSync('git', args, { cwd, env: env0, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const scripts = [];
  const model = await startScriptedModelServer({ script: { turns: [] }, scripts });
  const repos = [];
  const bares = new Map();
  const forge = await startForgeServer({
    branchHead: (_f, project, branch) => {
      try {
        return git(bares.get(project), 'rev-parse', '--verify', '--quiet', `refs/heads/${branch}`).trim();
      } catch {
        return undefined;
      }
    },
  });
  const env = {
    ...env0,
    FACTORY_HOME: factoryHome,
    FACTORY_CLAUDE: claude,
    GITHUB_API_URL: forge.githubApiUrl,
    GITHUB_TOKEN: 'bench-token',
    FACTORY_FORGE_WRITE_SPACING_MS: '0',
    ANTHROPIC_BASE_URL: model.url,
    ANTHROPIC_API_KEY: 'scripted-model-server',
  };
  try {
    for (let i = 0; i < repoCount; i++) {
      const name = `repo${i}`;
      const dir = join(root, name);
      const bare = join(root, 'remotes', `${name}.git`);
      mkdirSync(dir, { recursive: true });
      mkdirSync(bare, { recursive: true });
      git(bare, 'init', '--quiet', '--bare', '--initial-branch', 'main');
      git(dir, 'init', '--quiet', '--initial-branch', 'main');
      writeFileSync(join(dir, 'README.md'), `# ${name}\n`);
      git(dir, 'add', '-A');
      git(dir, 'commit', '--quiet', '-m', 'initial');
      git(dir, 'remote', 'add', 'origin', bare);
      git(dir, 'push', '--quiet', '-u', 'origin', 'main');
      execFileSync(process.execPath, [bin, 'init', '--yes'], { cwd: dir, env, stdio: 'ignore' });
      const configFile = join(dir, 'factory.config.json');
      const config = JSON.parse(readFileSync(configFile, 'utf8'));
      config.loop = { cadenceSeconds: 0.2, leaseSeconds: 30 };
      writeFileSync(configFile, JSON.stringify(config));
      forge.project('github', `bench/${name}`);
      bares.set(`bench/${name}`, bare);
      repos.push(dir);
    }
    writeFileSync(
      join(factoryHome, 'repos.yaml'),
      [
        'version: 1',
        'defaults:',
        '  forge: github',
        '  review:',
        '    authors: ["*"]',
        'repositories:',
        ...repos.flatMap((dir, i) => [`  - path: ${dir}`, `    project: bench/repo${i}`]),
        '',
      ].join('\n'),
    );
    for (let t = 0; t < tasks; t++) {
      const marker = `BENCH-TASK-${t}-END`;
      scripts.push({
        match: marker,
        script: {
          turns: [
            {
              toolCalls: [
                {
                  name: 'Bash',
                  input: {
                    command: `printf 'task ${t}\\n' >> bench-${t}.txt && git add bench-${t}.txt && git commit -q -m 'bench: task ${t}'`,
                    description: 'Commit',
                  },
                },
              ],
            },
          ],
          finalText: 'Done.',
        },
      });
      execFileSync(
        process.execPath,
        [bin, 'task', 'add', `Bench ${t}`, '--prompt', `${marker}: commit a line`],
        {
          cwd: repos[t % repoCount],
          env,
          stdio: 'ignore',
        },
      );
    }
    const started = performance.now();
    const code = await new Promise((resolve) => {
      const child = spawn(
        process.execPath,
        [bin, 'loop', 'run', '--concurrency', String(concurrency), '--until-idle'],
        {
          cwd: repos[0],
          env,
          stdio: 'ignore',
        },
      );
      child.on('close', resolve);
    });
    const wallMs = performance.now() - started;
    if (code !== 0) throw new Error(`factory loop run exited with ${code}`);
    const session = [];
    const overhead = [];
    const settle = [];
    let done = 0;
    for (const dir of repos) {
      const state = openRepositoryState(dir);
      try {
        const sessions = new WorkSessions(state.store);
        for (const task of state.tasks.list({ workflow: 'work' })) {
          if (task.state === 'done') done++;
          const log = state.tasks.log(task.id);
          const at = (event) => Date.parse(log.findLast((e) => e.event === event)?.at ?? '');
          const s = sessions.sessions(task.id).at(-1);
          const sessionMs = Date.parse(s.endedAt) - Date.parse(s.startedAt);
          session.push(sessionMs);
          overhead.push(at('submit') - at('claim') - sessionMs);
          settle.push(at('merged') - at('submit'));
        }
      } finally {
        state.close();
      }
    }
    if (done !== tasks) throw new Error(`${done} of ${tasks} tasks done`);
    return { wallMs, session: median(session), overhead: median(overhead), settle: median(settle) };
  } finally {
    await model.close();
    await forge.close();
    rmSync(root, { recursive: true, force: true });
  }
}

const s = (ms) => (ms / 1000).toFixed(2);
console.log(
  `bench/loop: ${repoCount} repositories, the real Claude Code against the scripted model (medians per task)`,
);
console.log('tasks  concurrency   wall s  tasks/min  session s  overhead s  settle s');
for (const tasks of taskCounts) {
  for (const concurrency of concurrencies) {
    const r = await scenario(tasks, concurrency);
    console.log(
      `${String(tasks).padStart(5)}  ${String(concurrency).padStart(11)}  ${s(r.wallMs).padStart(7)}  ${((tasks * 60000) / r.wallMs).toFixed(1).padStart(9)}  ${s(r.session).padStart(9)}  ${s(r.overhead).padStart(10)}  ${s(r.settle).padStart(8)}`,
    );
  }
}
