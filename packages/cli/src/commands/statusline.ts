import type { CommandModule } from 'yargs';
import { printJson, printLine } from '../output.js';

export const statuslineCommand: CommandModule = {
  command: 'statusline',
  describe:
    "one line for Claude Code's statusLine: tasks in flight, ready, in review, blocked, merged today (rendered by the loop)",
  handler: async (argv) => {
    const { readStatusline } = await import('@factory/fleet/loop/statusline');
    const line = readStatusline();
    if ((argv as { json?: boolean }).json) printJson({ statusline: line });
    else printLine(line);
  },
};
