export { ExitCode, FactoryError, isFactoryError } from './errors.js';
export { messages as coreMessages } from './messages.js';
export { factoryDir, findRepositoryRoot, isDirectory, stateDbPath } from './paths.js';
export { repositoryMigrations } from './state/migrations/index.js';
export type { Migration } from './state/migrations/migration.js';
export {
  DEFAULT_BUSY_TIMEOUT_MS,
  StateStore,
  type StateStoreOptions,
  translateSqliteError,
} from './state/store.js';
