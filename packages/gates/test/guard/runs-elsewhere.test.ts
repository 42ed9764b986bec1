import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decide } from '@factory/gates/guard/engine';
import { defaultGuardConfig, type GuardCall } from '@factory/gates/guard/policy';
import { makeTempRepo, type TempRepo } from '@factory/testkit';

/**
 * Holes of issue #11 found by the lead's probe: commands run where the guard or the sandbox does not reach
 * (npm explore, a script shell, a container's writable mount), package.json's prepare script, a secret
 * file made from its template, globs inside a protected folder, home credential stores read whole.
 */

let repo: TempRepo;
before(() => {
  repo = makeTempRepo({
    branch: 'feature/x',
    files: {
      'README.md': '# x\n',
      '.husky/pre-commit': 'factory gate pre-commit\n',
      '.env.example': 'API_KEY=\n',
      '.env': 'API_KEY=mine\n',
      'package.json': '{"name": "x", "scripts": {"prepare": "husky", "test": "node --test"}}\n',
    },
  });
});
after(() => repo.cleanup());

function verdict(call: GuardCall | string) {
  return decide(typeof call === 'string' ? { tool: 'Bash', input: { command: call } } : call, {
    cwd: repo.dir,
    home: repo.home,
    repoRoot: repo.dir,
    config: defaultGuardConfig,
    environment: {},
  });
}

describe('runs-elsewhere', () => {
  it('refuses npm explore, a script shell of its own and writable mounts of the project or the home folder', () => {
    for (const command of [
      'npm explore husky -- rm -rf .',
      'npm run --script-shell=/tmp/evil.sh test',
      'npm_config_script_shell=/tmp/evil.sh npm test',
      'docker run -v $PWD:/w alpine rm -rf /w/.husky',
      'podman run -v .:/w alpine sh -c "rm -rf /w/.husky"',
      'docker run --rm -v ~:/h alpine cat /h/.npmrc',
      'docker run -v /:/host alpine true',
      'docker run --mount type=bind,source=.,target=/w alpine sh',
      'docker container run -v "$(pwd)":/src busybox true',
      'nerdctl create --volume=.husky:/h alpine',
      'docker run -v .:/w:rw alpine true',
      'docker run --rm -v ~/.aws:/root/.aws:ro amazon/aws-cli s3 ls',
      'docker run --rm -v $HOME/.ssh:/k:ro alpine cat /k/id_ed25519',
      'docker run --rm --mount type=bind,source=~/.config/gh,target=/gh,readonly alpine true',
    ]) {
      const result = verdict(command);
      assert.equal(result.decision, 'deny', command);
      assert.ok(
        result.findings.some((finding) => finding.rule === 'runs-elsewhere'),
        `${command}: ${result.rule}`,
      );
    }
  });

  it('passes read-only and narrow mounts, named volumes and everyday containers', () => {
    for (const command of [
      'docker run --rm -v "$PWD":/app:ro -w /app node:20 node -v',
      'docker run --rm --mount type=bind,source=.,target=/app,readonly node:20 ls /app',
      'docker run --rm -v "$PWD/src":/app/src -w /app node:20 node -v',
      'docker run --rm -v node_modules:/app/node_modules node:20 node -v',
      'docker run --rm -v ~/.m2:/root/.m2 maven:3 mvn -v',
      'docker run --rm -p 5432:5432 -e POSTGRES_PASSWORD=postgres postgres:16',
      'docker run --rm alpine -v .:/w',
      'npm run test -- --grep foo',
      'npm explain react',
    ]) {
      const result = verdict(command);
      assert.equal(result.decision, 'allow', `${command}: ${result.reason}`);
    }
  });
});

describe('package.json’s prepare script', () => {
  it('refuses changing it by npm pkg or by the file tools, and passes other keys', () => {
    for (const command of ['npm pkg delete scripts.prepare', 'npm pkg set scripts.prepare=true'])
      assert.equal(verdict(command).decision, 'deny', command);
    const edit = (old_string: string, new_string: string) =>
      verdict({
        tool: 'Edit',
        input: { file_path: repo.path('package.json'), old_string, new_string },
      });
    assert.equal(edit('"prepare": "husky", ', '').decision, 'deny');
    assert.equal(edit('"husky"', '"true"').decision, 'deny');
    assert.equal(edit('"node --test"', '"vitest run"').decision, 'allow');
    assert.equal(verdict('npm pkg set scripts.lint=biome').decision, 'allow');
  });
});

describe('a secret file made from its template', () => {
  it('passes creating it, refuses overwriting the user’s values or copying a secret', () => {
    assert.equal(verdict('cp .env.example .env.local').decision, 'allow');
    assert.equal(verdict('cp -n .env.example .env').decision, 'allow');
    assert.equal(verdict('cp .env.example .env').decision, 'deny');
    assert.equal(verdict('cp .env .env.local').decision, 'deny');
    assert.equal(verdict('cp .env.example .env.local && cat .env.local').decision, 'deny');
  });
});

describe('globs and folders', () => {
  it('refuses a glob inside a protected folder and a home credential store read whole', () => {
    for (const command of [
      'cd .husky; rm -f *',
      'rm .husky/*',
      'chmod -x .git/hooks/*',
      'tar czf /tmp/k.tgz ~/.ssh',
      'grep -r token ~/.azure',
      'grep -rn token ~/.config',
      'cp -r ~/.aws /tmp/a',
      'zip -r /tmp/h.zip ~',
    ])
      assert.equal(verdict(command).decision, 'deny', command);
    for (const command of [
      'rm -f src/*.orig',
      'ls ~/.ssh',
      'cp -r src /tmp/',
      'grep -rn TODO src',
      'cp x ~/.config/app/',
    ])
      assert.equal(verdict(command).decision, 'allow', command);
  });

  it('refuses an option whose name is finished at run time and passes values known by their option', () => {
    for (const command of ['git reset --hard$(true)', 'git clean -f${X}', 'git reset --ha$X'])
      assert.equal(verdict(command).decision, 'deny', command);
    for (const command of ['git cherry-pick -x abc1234', 'git log --author=$USER', 'git commit -m"$MSG"'])
      assert.equal(verdict(command).decision, 'allow', `${command}: ${verdict(command).reason}`);
  });
});
