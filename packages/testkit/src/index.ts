export { claudeBin, runScriptedClaude, type ScriptedClaudeRun } from './claude.js';
export { type CliResult, factoryBin, projectRoot, type RunCliOptions, runFactory } from './run-cli.js';
export {
  isolatedGitEnv,
  makeTempDir,
  makeTempRepo,
  type TempRepo,
  type TempRepoOptions,
} from './temp-repo.js';
