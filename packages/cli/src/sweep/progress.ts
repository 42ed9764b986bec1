import type { RepoReport } from '@factory/fleet/sweep/engine';

export interface Progress {
  start(name: string): void;
  done(report: RepoReport): void;
  stop(): void;
}

/**
 * Live progress on stderr: a spinner line (ora) in a terminal, one plain line per finished repository
 * otherwise, nothing with --json (stdout then holds only the document, stderr stays quiet).
 */
export function startProgress(total: number, options: { json: boolean }): Progress {
  if (options.json) return { start() {}, done() {}, stop() {} };
  const running = new Set<string>();
  let finished = 0;
  let unhealthy = 0;
  // A terminal that reports no width (some pseudo-terminals) would make a spinner's redraw arithmetic
  // meaningless: plain lines there too.
  if (!process.stderr.isTTY || !(process.stderr.columns > 0)) {
    return {
      start: () => {},
      done: (report) => {
        finished++;
        const note = report.problems[0] ? ` (${report.problems[0]})` : '';
        process.stderr.write(`[${finished}/${total}] ${report.name}: ${report.status}${note}\n`);
      },
      stop: () => {},
    };
  }
  let spinner: { text: string; stop(): void; start(): unknown } | undefined;
  const text = () =>
    `sweeping ${finished}/${total}${unhealthy ? `, ${unhealthy} unhealthy` : ''}${running.size ? `: ${[...running].slice(0, 3).join(', ')}` : ''}`;
  // ora is loaded only in a terminal: scripts and CI never pay for it.
  const ready = import('ora').then(({ default: ora }) => {
    spinner = ora({ text: text(), stream: process.stderr }).start();
  });
  return {
    start: (name) => {
      running.add(name);
      if (spinner) spinner.text = text();
    },
    done: (report) => {
      running.delete(report.name);
      finished++;
      if (report.status !== 'healthy') unhealthy++;
      if (spinner) spinner.text = text();
    },
    stop: () => {
      void ready.then(() => spinner?.stop());
      spinner?.stop();
    },
  };
}
