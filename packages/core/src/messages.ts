/**
 * Every user-facing message of packages/core, in one place.
 * Each is one sentence: what is wrong, then how to fix it.
 */
export const messages = {
  stateDirUnwritable: (dir: string, reason: string) =>
    `cannot create the state folder ${dir} (${reason}); make the folder writable or run factory from a repository you can write to.`,
  stateNotADatabase: (file: string) =>
    `${file} is not a factory state database (it is corrupt or another kind of file); move it aside and run the command again to start a fresh one.`,
  stateLocked: (file: string, ms: number) =>
    `${file} is locked by another process for more than ${ms} ms; wait for it to finish or stop it, then try again.`,
  stateTooNew: (file: string, found: number, known: number) =>
    `${file} was written by a newer factory (schema ${found}, this one knows up to ${known}); upgrade factory, the database was left untouched.`,
  stateReadOnly: (file: string) =>
    `${file} cannot be written (read-only file or folder); fix its permissions and try again.`,
  stateOpenFailed: (file: string, reason: string) =>
    `cannot open the state database ${file} (${reason}); check the path and its permissions.`,
  notInRepository: (dir: string) =>
    `${dir} is not inside a git repository; run the command in a repository or pass --cwd DIR.`,
} as const;
