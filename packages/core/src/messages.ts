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

  // config (gates helper)
  configInvalid: (file: string, path: string, expected: string) =>
    `${file}: ${path} ${expected}; fix the config (its JSON schema lists every key).`,
  configNotJson: (file: string, reason: string) => `${file} is not valid JSON (${reason}); fix the syntax.`,
  configUnreadable: (file: string, reason: string) =>
    `cannot read the config ${file} (${reason}); fix the file or its permissions.`,
  configUnknownPreset: (file: string, name: string) =>
    `${file}: extends names the preset "${name}", which does not exist; use base, typescript or python, or a path to a JSON file.`,
  configExtendsMissing: (file: string, ref: string, target: string) =>
    `${file}: extends names "${ref}", but ${target} does not exist; fix the path.`,
  configExtendsNotJson: (file: string, ref: string) =>
    `${file}: extends names "${ref}", which is not a .json file; extend presets by name or JSON files by path.`,
  configExtendsCycle: (file: string, chain: string) =>
    `${file}: extends forms a cycle (${chain}); remove one of the links.`,
} as const;
