import type { CommandModule } from 'yargs';
import { printJson, printLine } from '../output.js';

interface DoctorArgs {
  json?: boolean;
  cwd?: string;
}

export const doctorCommand: CommandModule<object, DoctorArgs> = {
  command: 'doctor',
  describe: 'find every way the gates or the guard could silently not run, with the fix for each',
  handler: async (argv) => {
    const { runDoctor } = await import('@factory/gates/doctor/doctor');
    const findings = await runDoctor(argv.cwd ?? process.cwd());
    if (argv.json) printJson({ ok: findings.length === 0, findings });
    else if (findings.length === 0)
      printLine('factory doctor: no problems found; the gates and the guard will run.');
    else {
      printLine(`factory doctor: ${findings.length} problem${findings.length === 1 ? '' : 's'}`);
      for (const finding of findings) {
        printLine(`  ✖ ${finding.id}: ${finding.problem}`);
        printLine(`      fix: ${finding.fix}`);
      }
    }
    if (findings.length > 0) process.exitCode = 1;
  },
};
