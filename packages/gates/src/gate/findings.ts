/** One problem a check found: where, what, and how to fix it. */
export interface Finding {
  readonly check: CheckName;
  readonly file?: string;
  readonly line?: number;
  readonly message: string;
  readonly fix: string;
}

/** The checks of the gates, by the names FACTORY_SKIP uses. */
export const checkNames = [
  'secrets',
  'conflict-markers',
  'large-files',
  'forbidden-paths',
  'tasks',
  'commands',
  'commit-msg',
] as const;
export type CheckName = (typeof checkNames)[number];

/** The one check that no skip and no switch turns off. */
export const unskippableChecks: readonly CheckName[] = ['secrets'];
