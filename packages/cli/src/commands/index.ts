import type { CommandModule } from 'yargs';
import { ciCommand } from './ci.js';
import { doctorCommand } from './doctor.js';
import { evalCommand } from './eval.js';
import { gateCommand } from './gate.js';
import { guardCommand } from './guard.js';
import { hookCommand } from './hook.js';
import { initCommand } from './init.js';
import { loopCommand } from './loop.js';
import { memoryCommand } from './memory.js';
import { reposCommand } from './repos.js';
import { reviewCommand } from './review.js';
import { skillsCommand } from './skills.js';
import { stateCommand } from './state.js';
import { statusCommand } from './status.js';
import { statuslineCommand } from './statusline.js';
import { sweepCommand } from './sweep.js';
import { taskCommand } from './task.js';
import { uninstallCommand } from './uninstall.js';
import { workCommand } from './work.js';

/** Every command of the contract, in the order `factory --help` lists them. */
export const commands: CommandModule[] = [
  initCommand,
  uninstallCommand,
  doctorCommand,
  gateCommand,
  hookCommand,
  guardCommand,
  taskCommand,
  statusCommand,
  stateCommand,
  memoryCommand,
  skillsCommand,
  evalCommand,
  reposCommand,
  sweepCommand,
  reviewCommand,
  workCommand,
  loopCommand,
  statuslineCommand,
  ciCommand,
];
