export { claudeBin, runScriptedClaude, type ScriptedClaudeRun } from './claude.js';
export {
  type FakeCheck,
  type FakeFile,
  type FakeIssue,
  type FakePull,
  type ForgeFaults,
  type ForgeServer,
  fakeSha,
  GITHUB_LISTED_FILES_LIMIT,
  GITLAB_LISTED_DIFFS_LIMIT,
  type LoggedRequest,
  type PullInit,
  startForgeServer,
} from './forge-server.js';
export { hookDecision, pool } from './hook.js';
export { createTestDatabase, queryRows, type TestDatabase, testPostgres, withDatabase } from './postgres.js';
export {
  type CliResult,
  factoryBin,
  jsonOf,
  type PrivateFactoryBuild,
  privateFactoryBuild,
  projectRoot,
  type RunCliOptions,
  runFactory,
} from './run-cli.js';
export { runFactoryAsync } from './run-cli-async.js';
export {
  isolatedGitEnv,
  makeTempDir,
  makeTempRepo,
  type TempRepo,
  type TempRepoOptions,
} from './temp-repo.js';
