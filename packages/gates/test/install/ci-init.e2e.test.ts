import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { makeTempRepo, projectRoot, runFactory, type TempRepo } from '@factory/testkit';
import { parse } from 'yaml';

const bin = (name: string) => join(projectRoot, 'node_modules', '.bin', name);

/** GitHub's workflow schema (SchemaStore's, compiled into @action-validator/cli): exit 0 when valid. */
function validateGithub(file: string) {
  return spawnSync(bin('action-validator'), [file], { encoding: 'utf8', timeout: 60_000 });
}

/**
 * GitLab CI's JSON schema, as gitlab-ci-local ships and applies it (ajv) before it lists the jobs; no
 * network: the file has no remote include.
 */
function validateGitlab(repo: TempRepo) {
  return spawnSync(bin('gitlab-ci-local'), ['--list'], {
    cwd: repo.dir,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...repo.env, CI: '' },
  });
}

describe('factory ci init', () => {
  it('writes a GitHub workflow and a GitLab job that pass the published schemas, and are idempotent', () => {
    const repo = makeTempRepo({
      files: { 'package.json': '{"name":"app","devDependencies":{"@factory/cli":"0.1.0"}}\n' },
    });
    try {
      const dry = runFactory(['ci', 'init', '--github', '--gitlab', '--dry-run'], {
        cwd: repo.dir,
        env: repo.env,
      });
      assert.equal(dry.status, 0, dry.stderr);
      assert.match(dry.stdout, /would create {2}\.github\/workflows\/factory\.yml/);
      assert.ok(
        !existsSync(repo.path('.github')) && !existsSync(repo.path('.gitlab-ci.yml')),
        'a dry run writes nothing',
      );

      const init = runFactory(['ci', 'init', '--github', '--gitlab'], { cwd: repo.dir, env: repo.env });
      assert.equal(init.status, 0, init.stderr);
      assert.match(init.stdout, /created {2}\.github\/workflows\/factory\.yml\ncreated {2}\.gitlab-ci\.yml/);

      const github = validateGithub(repo.path('.github/workflows/factory.yml'));
      assert.equal(github.status, 0, `${github.stdout}${github.stderr}`);
      const gitlab = validateGitlab(repo);
      assert.equal(gitlab.status, 0, `${gitlab.stdout}${gitlab.stderr}`);
      assert.match(gitlab.stderr, /json schema validated/);
      assert.match(gitlab.stdout, /factory-gates +test/);

      // The check is named as review requires it, over the whole history, running factory gate ci.
      const workflow = parse(readFileSync(repo.path('.github/workflows/factory.yml'), 'utf8'));
      const job = workflow.jobs['factory-gates'];
      assert.equal(job.name, 'factory-gates');
      assert.equal(job.steps[0].with['fetch-depth'], 0);
      assert.ok('pull_request' in workflow.on);
      assert.equal(job.steps.at(-1).run, 'npx --no-install factory gate ci');
      const gitlabJob = parse(readFileSync(repo.path('.gitlab-ci.yml'), 'utf8'))['factory-gates'];
      assert.equal(gitlabJob.variables.GIT_DEPTH, '0');
      assert.equal(gitlabJob.script.at(-1), 'npx --no-install factory gate ci');

      const again = runFactory(['ci', 'init'], { cwd: repo.dir, env: repo.env });
      assert.equal(again.status, 0, again.stderr);
      assert.match(
        again.stdout,
        /unchanged {2}\.github\/workflows\/factory\.yml\nunchanged {2}\.gitlab-ci\.yml/,
      );
    } finally {
      repo.cleanup();
    }
  });

  it('adds the job to an existing .gitlab-ci.yml, keeping its jobs and comments; refuses invalid YAML untouched', () => {
    const existing = [
      '# our pipeline',
      'stages: [build, deploy]',
      '',
      'build:',
      '  stage: build # compile',
      '  script:',
      '    - make',
      '',
    ].join('\n');
    const repo = makeTempRepo({ files: { '.gitlab-ci.yml': existing, 'main.py': 'print(1)\n' } });
    try {
      const init = runFactory(['ci', 'init', '--gitlab', '--command', 'uvx factory'], {
        cwd: repo.dir,
        env: repo.env,
      });
      assert.equal(init.status, 0, init.stderr);
      assert.match(init.stdout, /updated {2}\.gitlab-ci\.yml/);
      assert.ok(!existsSync(repo.path('.github')), '--gitlab writes only the GitLab job');
      const text = repo.read('.gitlab-ci.yml');
      assert.match(text, /^# our pipeline\n/);
      assert.match(text, /stage: build # compile/);
      const config = parse(text);
      assert.deepEqual(config.build.script, ['make']);
      // No `test` stage here: `.pre` always exists.
      assert.equal(config['factory-gates'].stage, '.pre');
      assert.equal(config['factory-gates'].script.at(-1), 'uvx factory gate ci');
      const gitlab = validateGitlab(repo);
      assert.equal(gitlab.status, 0, `${gitlab.stdout}${gitlab.stderr}`);
      assert.match(gitlab.stdout, /factory-gates +\.pre/);

      const broken = 'build:\n  script: [make\n';
      repo.write('.gitlab-ci.yml', broken);
      const refused = runFactory(['ci', 'init', '--gitlab'], { cwd: repo.dir, env: repo.env });
      assert.equal(refused.status, 2);
      assert.match(
        refused.stderr,
        /^factory: \.gitlab-ci\.yml is not valid YAML \(.*\); fix it, then run factory ci init --gitlab again\.\n$/,
      );
      assert.equal(repo.read('.gitlab-ci.yml'), broken);
    } finally {
      repo.cleanup();
    }
  });

  it('the validators used above do reject a broken workflow and a broken job', () => {
    const repo = makeTempRepo({ files: { 'README.md': '# x\n' } });
    try {
      assert.equal(runFactory(['ci', 'init'], { cwd: repo.dir, env: repo.env }).status, 0);
      const file = repo.path('.github/workflows/factory.yml');
      repo.write('.github/workflows/factory.yml', readFileSync(file, 'utf8').replace('runs-on:', 'runs_on:'));
      const github = validateGithub(file);
      assert.notEqual(github.status, 0);
      assert.match(`${github.stdout}${github.stderr}`, /Additional property 'runs_on' is not allowed/);
      repo.write('.gitlab-ci.yml', repo.read('.gitlab-ci.yml').replace('  rules:', '  rulez:'));
      const gitlab = validateGitlab(repo);
      assert.notEqual(gitlab.status, 0);
      assert.match(`${gitlab.stdout}${gitlab.stderr}`, /rulez/);
    } finally {
      repo.cleanup();
    }
  });
});
