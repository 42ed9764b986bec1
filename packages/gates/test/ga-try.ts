import { decide } from '@factory/gates/guard/engine';
import { defaultGuardConfig } from '@factory/gates/guard/policy';
import { makeTempRepo } from '@factory/testkit';

const repo = makeTempRepo({ branch: 'feature/x', files: { 'README.md': '# x\n', 'src/a.ts': 'x' } });
for (const command of process.argv.slice(2)) {
  const v = decide(
    { tool: 'Bash', input: { command } },
    { cwd: repo.dir, home: repo.home, repoRoot: repo.dir, config: defaultGuardConfig },
  );
  console.log(
    v.decision.padEnd(5),
    JSON.stringify(command),
    v.decision === 'allow' ? '' : '::' + (v.reason ?? '').slice(29, 260),
  );
}
repo.cleanup();
