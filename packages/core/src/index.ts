export { ExitCode, FactoryError, isFactoryError } from './errors.js';
export { messages as coreMessages } from './messages.js';
export { factoryDir, findRepositoryRoot, isDirectory, stateDbPath } from './paths.js';
export { coreSchema, LEGACY_USER_VERSION } from './state/migrations/index.js';
export type { LegacyVersions, Migration, SchemaHistory } from './state/migrations/migration.js';
export {
  DEFAULT_BUSY_TIMEOUT_MS,
  StateStore,
  type StateStoreOptions,
  translateSqliteError,
} from './state/store.js';
