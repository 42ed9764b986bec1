import { readFileSync } from 'node:fs';
import { decide } from '@factory/gates/guard/engine';
import { defaultGuardConfig } from '@factory/gates/guard/policy';
import { makeTempRepo } from '@factory/testkit';

const cases = readFileSync('packages/gates/test/fixtures/cc-safety-net/cases.jsonl', 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l));
const repo = makeTempRepo({ branch: 'feature/x', files: { 'README.md': '# x\n' } });
const mode = process.argv[2] ?? 'allow';
for (const c of cases) {
  const v = decide(
    { tool: 'Bash', input: { command: c.command } },
    { cwd: repo.dir, home: repo.home, repoRoot: repo.dir, config: defaultGuardConfig },
  );
  const refused = v.decision !== 'allow';
  if (mode === 'allow' && c.ccSafetyNet === 'allow' && refused)
    console.log(JSON.stringify(c.command), '::', v.rule, '::', (v.reason ?? '').slice(0, 200));
  if (mode === 'deny' && c.ccSafetyNet === 'deny' && !refused) console.log(JSON.stringify(c.command));
}
repo.cleanup();
