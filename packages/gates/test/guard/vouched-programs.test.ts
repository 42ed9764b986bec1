import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadGuardConfig } from '@factory/gates/guard/config';
import { decide } from '@factory/gates/guard/engine';
import { defaultGuardConfig } from '@factory/gates/guard/policy';
import { makeTempRepo, type TempRepo } from '@factory/testkit';

/**
 * An unknown program is refused (fail closed), and the refusal says how a human vouches for one:
 * `guard.programs` in the config, each with its reason. A vouched program is understood like the everyday
 * tools: the rules still judge its arguments.
 */

let repo: TempRepo;
before(() => {
  repo = makeTempRepo({
    branch: 'feature/x',
    files: {
      'README.md': '# x\n',
      'factory.config.json': `${JSON.stringify({
        guard: {
          programs: [
            { name: 'mytool', reason: 'our deploy CLI: it talks to our API and writes dist/' },
            { name: 'create-vite', reason: 'scaffolds front-end apps' },
          ],
        },
      })}\n`,
    },
  });
});
after(() => repo.cleanup());

describe('programs a repository vouches for', () => {
  it('passes them, and only them', async () => {
    const { config } = await loadGuardConfig(repo.dir);
    assert.deepEqual(
      config.programs.map((entry) => entry.name),
      ['mytool', 'create-vite'],
    );
    const verdict = (command: string, guard = config) =>
      decide(
        { tool: 'Bash', input: { command } },
        { cwd: repo.dir, home: repo.home, repoRoot: repo.dir, config: guard },
      );
    assert.equal(verdict('mytool deploy --env staging').decision, 'allow');
    assert.equal(verdict('npx create-vite@latest app').decision, 'allow');
    assert.equal(verdict('othertool --version').rule, 'not-understood');
    // Its arguments are still judged: a vouched program does not read secrets or remove the project.
    assert.equal(verdict('mytool upload .env').rule, 'secret-files');
    const refused = verdict('mytool deploy', defaultGuardConfig);
    assert.equal(refused.decision, 'deny');
    assert.equal(refused.rule, 'not-understood');
    assert.match(refused.reason ?? '', /vouch for mytool in the config: guard\.programs/);
  });

  it('knows the everyday cloud and media CLIs without vouching', () => {
    for (const command of ['aws s3 ls', 'gcloud config list', 'vercel --version', 'ffmpeg -i a.mov a.webm']) {
      const verdict = decide(
        { tool: 'Bash', input: { command } },
        { cwd: repo.dir, home: repo.home, repoRoot: repo.dir, config: defaultGuardConfig },
      );
      assert.equal(verdict.decision, 'allow', command);
    }
  });
});
