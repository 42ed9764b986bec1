import type { CommandModule } from 'yargs';

/**
 * Registered for help only: `factory hook <event>` is answered by the fast path before yargs loads.
 */
export const hookCommand: CommandModule = {
  command: 'hook <event>',
  describe:
    'answer a Claude Code hook: reads the hook JSON on stdin (events: pre-tool-use, post-tool-use, session-start, user-prompt-submit, stop)',
  builder: (y) =>
    y.positional('event', {
      type: 'string',
      choices: ['pre-tool-use', 'post-tool-use', 'session-start', 'user-prompt-submit', 'stop'],
    }),
  handler: () => {},
};
