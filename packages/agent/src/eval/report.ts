import type { ScenarioOutcome } from './outcome.js';

/** Plain-text table of an eval run: one line per scenario, then the reasons of each failure. */
export function formatTable(outcomes: readonly ScenarioOutcome[], lane: string): string {
  const rows = outcomes.map((o) => [
    o.status === 'passed' ? 'PASS' : o.status === 'failed' ? 'FAIL' : 'SKIP',
    o.scenario,
    o.status === 'skipped' ? '-' : `${o.passes}/${o.attempts}`,
    o.status === 'skipped' ? '-' : `${Math.round(o.passRate * 100)}% (>= ${Math.round(o.threshold * 100)}%)`,
    o.status === 'skipped' ? '-' : `${o.passAtK.toFixed(2)} (k=${o.k})`,
    `${(o.durationMs / 1000).toFixed(1)}s`,
  ]);
  const header = ['', 'scenario', 'runs', 'pass rate', 'pass@k', 'time'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const out = [line(header), ...rows.map(line)];
  for (const o of outcomes) {
    if (o.status === 'failed') for (const f of o.failures) out.push(`  ${o.scenario}: ${f}`);
    if (o.status === 'skipped' && o.skipReason) out.push(`  ${o.scenario}: skipped, ${o.skipReason}`);
  }
  const passed = outcomes.filter((o) => o.status === 'passed').length;
  const failed = outcomes.filter((o) => o.status === 'failed').length;
  const skipped = outcomes.filter((o) => o.status === 'skipped').length;
  out.push(`${lane} lane: ${passed} passed, ${failed} failed, ${skipped} skipped`);
  return out.join('\n');
}

function xml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');
}

/** JUnit XML (one testsuite, one testcase per scenario) for CI systems that display it. */
export function formatJunit(outcomes: readonly ScenarioOutcome[], lane: string): string {
  const failed = outcomes.filter((o) => o.status === 'failed').length;
  const skipped = outcomes.filter((o) => o.status === 'skipped').length;
  const time = outcomes.reduce((s, o) => s + o.durationMs, 0) / 1000;
  const cases = outcomes.map((o) => {
    const open = `    <testcase classname="factory.eval.${xml(lane)}" name="${xml(o.scenario)}" file="${xml(o.file)}" time="${(o.durationMs / 1000).toFixed(3)}">`;
    if (o.status === 'skipped')
      return `${open}\n      <skipped message="${xml(o.skipReason ?? '')}"/>\n    </testcase>`;
    if (o.status === 'passed') return `${open}</testcase>`;
    const message = `${o.passes}/${o.attempts} runs passed (pass rate ${o.passRate.toFixed(2)} < ${o.threshold})`;
    return `${open}\n      <failure message="${xml(message)}">${xml(o.failures.join('\n'))}</failure>\n    </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="factory eval" tests="${outcomes.length}" failures="${failed}" skipped="${skipped}" time="${time.toFixed(3)}">`,
    `  <testsuite name="factory eval (${xml(lane)})" tests="${outcomes.length}" failures="${failed}" skipped="${skipped}" time="${time.toFixed(3)}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
