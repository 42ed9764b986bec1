import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { projectRoot } from './run-cli.js';

/** A fresh, empty database on the test server: its URL, and drop() when the test is done. */
export interface TestDatabase {
  readonly url: string;
  readonly name: string;
  drop(): Promise<void>;
}

let server: { url: string } | { skip: string } | undefined;

/**
 * The PostgreSQL server of the tests: `FACTORY_TEST_POSTGRES_URL` (what .ci/run starts and exports), else
 * the private server that scripts/test-postgres.sh starts on loopback (or reuses). `{ skip }` with one
 * sentence when none can be started; under CI (CI=true) that is an error instead, never a silent skip.
 */
export function testPostgres(): { url: string } | { skip: string } {
  if (server) return server;
  const fromEnv = process.env.FACTORY_TEST_POSTGRES_URL;
  if (fromEnv) {
    server = { url: fromEnv };
    return server;
  }
  const started = spawnSync('bash', [join(projectRoot, 'scripts', 'test-postgres.sh')], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (started.status === 0 && started.stdout.trim().startsWith('postgres://')) {
    server = { url: started.stdout.trim() };
    return server;
  }
  const reason = (started.stderr || started.error?.message || 'no output').trim().split('\n').at(-1);
  if (process.env.CI === 'true') {
    throw new Error(`CI must run the PostgreSQL tests, but no server could be started: ${reason}`);
  }
  server = { skip: `no PostgreSQL server could be started here (${reason})` };
  return server;
}

/** `url` with another database name (the test server's URL names its maintenance database). */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** Creates an empty database for one test on the test server. */
export async function createTestDatabase(url: string): Promise<TestDatabase> {
  const name = `factory_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return {
    url: withDatabase(url, name),
    name,
    drop: async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** The rows of one query on the database at `url`, through a connection of its own. */
export async function queryRows<T = Record<string, unknown>>(
  url: string,
  sql: string,
  params: readonly unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, [...params])).rows as T[];
  } finally {
    await client.end();
  }
}
