/**
 * The shape of factory's resolved configuration (after `extends` and the schema's defaults).
 * The JSON schema fragments in ./schema are the source of truth; each subsystem types its own section
 * here or in its own module and reads it with `configSection`.
 */
export interface PreCommitConfig {
  /**
   * lint-staged style tasks: glob -> command(s); the matching staged files are appended as arguments.
   * `{ run, optional: true }`: skipped with a warning when its program is not installed. A layer sets a
   * glob to null to remove the task a preset gave it.
   */
  readonly tasks: Readonly<Record<string, TaskValue>>;
  readonly conflictMarkers: boolean;
  /** 0 turns the large-file check off. */
  readonly maxFileSizeKb: number;
  /** Globs (a leading `!` re-allows) of paths that must never be committed. */
  readonly forbiddenPaths: readonly string[];
}

export type TaskValue =
  | string
  | readonly string[]
  | { readonly run: string | readonly string[]; readonly optional?: boolean };

/** `optional`: skipped with a warning when its program is not installed. */
export type PrePushCommand =
  | string
  | { readonly name?: string; readonly run: string; readonly optional?: boolean };

export interface PrePushConfig {
  readonly commands: readonly PrePushCommand[];
}

export interface CommitMsgConfig {
  readonly pattern?: string;
  readonly hint?: string;
}

export interface SecretsConfig {
  readonly allowPaths: readonly string[];
  readonly gitleaks: 'auto' | 'required' | 'off';
}

export interface GatesConfig {
  readonly preCommit: PreCommitConfig;
  readonly prePush: PrePushConfig;
  readonly commitMsg: CommitMsgConfig;
  readonly secrets: SecretsConfig;
}

export interface FactoryConfig {
  readonly $schema?: string;
  readonly extends?: string | readonly string[];
  readonly mode?: 'personal' | 'team';
  readonly gates: GatesConfig;
  /** The other sections (workflows, guard, review, memory, ...), typed by their owners. */
  readonly [section: string]: unknown;
}

export interface LoadedConfig {
  readonly config: FactoryConfig;
  /** The repository's config file, absent when none was found (then the config is the defaults). */
  readonly file?: string;
  /** Every file that went into the result, presets first, the repository's file last. */
  readonly sources: readonly string[];
}

/** A section of the config by name, typed by the caller (its schema fragment guarantees the shape). */
export function configSection<T>(config: FactoryConfig, name: string): T {
  return config[name] as T;
}
