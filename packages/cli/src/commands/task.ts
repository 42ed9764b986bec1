import type { CommandModule } from 'yargs';
import { notAvailable } from './not-available.js';

export const taskCommand: CommandModule = {
  command: 'task <command>',
  describe: 'workflow tasks in .factory/state.db: add, claim, heartbeat, move, release, recover',
  builder: (y) =>
    y
      .command('add <title>', 'add a task', {}, notAvailable('task add'))
      .command('list', 'list tasks', {}, notAvailable('task list'))
      .command('show <id>', 'show one task', {}, notAvailable('task show'))
      .command(
        'claim',
        'claim a free task with a lease (--owner ID --ttl SECONDS); exit 1 when none is free',
        {},
        notAvailable('task claim'),
      )
      .command('heartbeat <id>', 'extend the lease of a claimed task', {}, notAvailable('task heartbeat'))
      .command(
        'move <id> <event>',
        'move a task along its workflow (compare-and-set)',
        {},
        notAvailable('task move'),
      )
      .command('release <id>', 'give up the lease of a task', {}, notAvailable('task release'))
      .command(
        'recover',
        'return expired leases and reclaim leaked resources',
        {},
        notAvailable('task recover'),
      )
      .command('log [id]', 'the transition history', {}, notAvailable('task log'))
      .command(
        'workflows',
        'print the workflows (--mermaid for diagrams)',
        {},
        notAvailable('task workflows'),
      )
      .demandCommand(1, 'name a task command'),
  handler: () => {},
};
