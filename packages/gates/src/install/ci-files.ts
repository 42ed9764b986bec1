import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ExitCode, FactoryError } from '@factory/core/errors';
import { isMap, parseDocument, stringify } from 'yaml';
import { FACTORY_CHECK_NAME } from '../gate/ci-check.js';
import { messages } from '../messages.js';

export const GITHUB_WORKFLOW_FILE = '.github/workflows/factory.yml';
export const GITLAB_CI_FILE = '.gitlab-ci.yml';

export interface CiInitOptions {
  readonly root: string;
  readonly github: boolean;
  readonly gitlab: boolean;
  /** How the CI job starts factory, e.g. `npx --no-install factory`; by default found from package.json. */
  readonly factoryCommand?: string;
  /** The branch whose pushes are judged too (pull/merge requests always are). */
  readonly defaultBranch?: string;
  /** The version a job that installs factory from the registry asks for. */
  readonly version: string;
}

export interface CiFileChange {
  readonly file: string;
  readonly action: 'create' | 'update' | 'unchanged';
  readonly content: string;
}

/** How the job installs the repository's packages and starts factory. */
interface Runner {
  readonly install: readonly string[];
  readonly factory: string;
}

function readPackageJson(root: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/**
 * factory's own repository builds and runs its bin; a repository with `@factory/cli` in its package.json
 * installs it with npm ci; any other (Python, Go...) runs the published package through npx.
 */
function findRunner(root: string, options: CiInitOptions): Runner {
  const pkg = readPackageJson(root);
  const hasLock = existsSync(join(root, 'package-lock.json'));
  const install = pkg ? [hasLock ? 'npm ci --no-audit --no-fund' : 'npm install --no-audit --no-fund'] : [];
  if (options.factoryCommand) return { install, factory: options.factoryCommand };
  const ownCli = join(root, 'packages', 'cli', 'package.json');
  if (existsSync(ownCli)) {
    try {
      if ((JSON.parse(readFileSync(ownCli, 'utf8')) as { name?: string }).name === '@factory/cli') {
        return { install: [...install, 'npm run build'], factory: 'node packages/cli/dist/bin.js' };
      }
    } catch {
      // not factory's own repository
    }
  }
  const deps = { ...(pkg?.dependencies as object), ...(pkg?.devDependencies as object) };
  if ('@factory/cli' in deps) return { install, factory: 'npx --no-install factory' };
  return { install, factory: `npx --yes @factory/cli@${options.version}` };
}

const HEADER = (file: string) =>
  `# Written by factory ci init: the repository's gates (secrets, conflict markers, large files, forbidden\n` +
  `# paths, configured tasks and pre-push commands) over every commit of a pull request, whatever the\n` +
  `# clones that made them had installed. The check "${FACTORY_CHECK_NAME}" is what factory review requires;\n` +
  `# make it a required check of the branch too. Run factory ci init again to update ${file}.\n`;

/** The GitHub Actions workflow: one job, named as the check that review requires. */
export function githubWorkflow(root: string, options: CiInitOptions): string {
  const runner = findRunner(root, options);
  const branch = options.defaultBranch ?? 'main';
  const workflow = {
    name: 'factory',
    on: {
      pull_request: {},
      merge_group: {},
      push: { branches: [branch] },
    },
    permissions: { contents: 'read' },
    concurrency: {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression, not JavaScript
      group: 'factory-${{ github.workflow }}-${{ github.event.pull_request.number || github.ref }}',
      'cancel-in-progress': true,
    },
    jobs: {
      [FACTORY_CHECK_NAME]: {
        name: FACTORY_CHECK_NAME,
        'runs-on': 'ubuntu-latest',
        'timeout-minutes': 30,
        steps: [
          {
            name: 'check out the head of the pull request with its whole history',
            uses: 'actions/checkout@v4',
            // The base..head range needs every commit of both; the default depth of 1 has neither.
            // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression, not JavaScript
            with: { 'fetch-depth': 0, ref: '${{ github.event.pull_request.head.sha || github.sha }}' },
          },
          { uses: 'actions/setup-node@v4', with: { 'node-version': 24 } },
          ...runner.install.map((run) => ({ run })),
          { name: 'factory gate ci', run: `${runner.factory} gate ci` },
        ],
      },
    },
  };
  return `${HEADER(GITHUB_WORKFLOW_FILE)}${stringify(workflow, { lineWidth: 0 })}`;
}

/** The GitLab CI job, as a plain object (it is merged into an existing .gitlab-ci.yml). */
export function gitlabJob(root: string, options: CiInitOptions, stage: string): Record<string, unknown> {
  const runner = findRunner(root, options);
  return {
    stage,
    image: 'node:24',
    // The merge request's base..head range needs the whole history, not GitLab's default depth.
    variables: { GIT_DEPTH: '0' },
    rules: [
      { if: '$CI_PIPELINE_SOURCE == "merge_request_event"' },
      { if: '$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH' },
    ],
    script: [
      // A merged-results pipeline checks out GitLab's merge commit: judge the request's own head.
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, not JavaScript
      'git checkout -q "${CI_MERGE_REQUEST_SOURCE_BRANCH_SHA:-$CI_COMMIT_SHA}"',
      ...runner.install,
      `${runner.factory} gate ci`,
    ],
  };
}

/** `.gitlab-ci.yml` with the factory job set: a new file, or the existing one with its comments kept. */
export function gitlabCiFile(root: string, options: CiInitOptions): string {
  const path = join(root, GITLAB_CI_FILE);
  if (!existsSync(path)) {
    return `${HEADER(GITLAB_CI_FILE)}${stringify({ [FACTORY_CHECK_NAME]: gitlabJob(root, options, 'test') }, { lineWidth: 0 })}`;
  }
  const text = readFileSync(path, 'utf8');
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    throw new FactoryError(
      messages.ciGitlabInvalid(GITLAB_CI_FILE, doc.errors[0]!.message.split('\n')[0]!),
      ExitCode.usage,
    );
  }
  if (doc.contents === null) doc.contents = doc.createNode({}) as unknown as typeof doc.contents;
  if (!isMap(doc.contents))
    throw new FactoryError(messages.ciGitlabNotAMapping(GITLAB_CI_FILE), ExitCode.usage);
  // Custom stages without `test`: `.pre` always exists and runs first, which suits a gate.
  const stages = doc.get('stages') as { items?: Array<{ value?: unknown }> } | undefined;
  const names = stages?.items?.map((item) =>
    item && typeof item === 'object' && 'value' in item ? item.value : item,
  );
  const stage = !names || names.includes('test') ? 'test' : '.pre';
  doc.set(FACTORY_CHECK_NAME, doc.createNode(gitlabJob(root, options, stage)));
  return doc.toString({ lineWidth: 0 });
}

/** What `factory ci init` would write; nothing is written. */
export function planCiFiles(options: CiInitOptions): CiFileChange[] {
  const wanted: Array<[string, () => string]> = [];
  const both = !options.github && !options.gitlab;
  if (options.github || both)
    wanted.push([GITHUB_WORKFLOW_FILE, () => githubWorkflow(options.root, options)]);
  if (options.gitlab || both) wanted.push([GITLAB_CI_FILE, () => gitlabCiFile(options.root, options)]);
  return wanted.map(([file, make]) => {
    const content = make();
    const path = join(options.root, file);
    const before = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
    return {
      file,
      content,
      action: before === undefined ? 'create' : before === content ? 'unchanged' : 'update',
    };
  });
}

/** Writes each changed file through a temporary file and a rename: never a half-written file. */
export function writeCiFiles(root: string, changes: readonly CiFileChange[]): void {
  for (const change of changes) {
    if (change.action === 'unchanged') continue;
    const path = join(root, change.file);
    const temp = `${path}.factory-${process.pid}.tmp`;
    try {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(temp, change.content);
      renameSync(temp, path);
    } catch (error) {
      rmSync(temp, { force: true });
      throw new FactoryError(
        messages.ciWriteFailed(change.file, (error as NodeJS.ErrnoException).code ?? String(error)),
        ExitCode.usage,
        { cause: error },
      );
    }
  }
}
