export { claudeBin, runScriptedClaude, type ScriptedClaudeRun } from './claude.js';
export {
  type FakeCheck,
  type FakeIssue,
  type FakePull,
  type ForgeFaults,
  type ForgeServer,
  fakeSha,
  type LoggedRequest,
  type PullInit,
  startForgeServer,
} from './forge-server.js';
export { type CliResult, factoryBin, projectRoot, type RunCliOptions, runFactory } from './run-cli.js';
export { runFactoryAsync } from './run-cli-async.js';
export {
  isolatedGitEnv,
  makeTempDir,
  makeTempRepo,
  type TempRepo,
  type TempRepoOptions,
} from './temp-repo.js';
