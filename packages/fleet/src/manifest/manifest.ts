import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { ExitCode, FactoryError } from '@factory/core';
import { Ajv, type ErrorObject } from 'ajv';
import { type Document, isMap, isSeq, LineCounter, type Node, parseDocument, type YAMLMap } from 'yaml';
import { messages } from '../messages.js';
import type { ReviewPolicy } from '../review/types.js';
import { factoryHome } from '../sweep/home-store.js';
import { manifestSchema, reviewSchema } from './schema.js';

export type ForgeName = 'github' | 'gitlab';

/** One repository of the manifest, with the shared defaults applied and its path made absolute. */
export interface ManifestRepo {
  /** Absolute path of the working tree. */
  readonly path: string;
  /** The path as written in the manifest (what `repos rm` matches, what results are keyed by). */
  readonly key: string;
  readonly name: string;
  readonly url: string | undefined;
  readonly forge: ForgeName | undefined;
  readonly project: string | undefined;
  readonly defaultBranch: string | undefined;
  readonly tags: readonly string[];
  readonly review: Partial<ReviewPolicy>;
}

export interface Manifest {
  readonly file: string;
  readonly repositories: readonly ManifestRepo[];
  readonly timeoutSeconds: number | undefined;
}

interface RawRepo {
  path: string;
  name?: string;
  url?: string;
  forge?: ForgeName;
  project?: string;
  defaultBranch?: string;
  tags?: string[];
  review?: Partial<ReviewPolicy>;
}

interface RawManifest {
  version?: number;
  defaults?: {
    forge?: ForgeName;
    defaultBranch?: string;
    tags?: string[];
    timeoutSeconds?: number;
    review?: Partial<ReviewPolicy>;
  };
  repositories?: RawRepo[];
}

export function defaultManifestPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(factoryHome(env), 'repos.yaml');
}

let validator: ReturnType<Ajv['compile']> | undefined;
function validate(data: unknown): ErrorObject[] {
  if (!validator) {
    const ajv = new Ajv({ allErrors: false, strict: false });
    ajv.addSchema(reviewSchema);
    validator = ajv.compile(manifestSchema);
  }
  return validator(data) ? [] : [...(validator.errors ?? [])];
}

function expandHome(path: string, env: NodeJS.ProcessEnv): string {
  if (path === '~' || path.startsWith('~/')) return join(env.HOME || homedir(), path.slice(1));
  return path;
}

/** The manifest file as a YAML document with line numbers; a missing file is an empty manifest. */
function readDocument(file: string): { doc: Document.Parsed; lines: LineCounter; text: string } {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const error = doc.errors[0];
  if (error) {
    const line = error.linePos?.[0]?.line ?? lines.linePos(error.pos[0]).line;
    const what = error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    throw new FactoryError(messages.manifestSyntax(file, line, what), ExitCode.usage);
  }
  return { doc, lines, text };
}

/** The line of the YAML node that an ajv instancePath points at (or of its nearest existing parent). */
function lineOf(doc: Document.Parsed, lines: LineCounter, instancePath: string): number {
  const segments = instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  let node: unknown = doc.contents;
  let line = 1;
  for (const segment of segments) {
    const range = (node as Node | null)?.range;
    if (range) line = lines.linePos(range[0]).line;
    if (isMap(node)) node = node.get(segment, true);
    else if (isSeq(node)) node = node.get(Number(segment), true);
    else break;
  }
  const range = (node as Node | null)?.range;
  if (range) line = lines.linePos(range[0]).line;
  return line;
}

/** An unknown key is reported on its own line, not on the line of the object that holds it. */
function errorPath(error: ErrorObject): string {
  const extra = (error.params as { additionalProperty?: string }).additionalProperty;
  return error.keyword === 'additionalProperties' && extra
    ? `${error.instancePath}/${extra}`
    : error.instancePath;
}

function describeError(error: ErrorObject): string {
  const where = error.instancePath
    ? error.instancePath
        .slice(1)
        .split('/')
        .map((s, i) => (/^\d+$/.test(s) ? `[${s}]` : i === 0 ? s : `.${s}`))
        .join('')
    : 'the manifest';
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties':
      return `${where} has an unknown key "${String(params.additionalProperty)}"`;
    case 'required':
      return `${where} needs "${String(params.missingProperty)}"`;
    case 'enum':
      return `${where} must be one of ${(params.allowedValues as unknown[]).map(String).join(', ')}`;
    case 'type':
      return `${where} must be ${String(params.type)}`;
    default:
      return `${where} ${error.message ?? 'is invalid'}`;
  }
}

/** Refuses a manifest without repositories, saying whether the file is missing or just empty. */
export function requireRepositories(file: string, manifest: Manifest): void {
  if (manifest.repositories.length > 0) return;
  const message = existsSync(file) ? messages.manifestEmpty(file) : messages.manifestMissing(file);
  throw new FactoryError(message, ExitCode.usage);
}

/**
 * The document as plain data. Aliases are expanded with the yaml library's limit: a few lines of
 * aliases of aliases (a "billion laughs") would otherwise expand into gigabytes.
 */
function manifestData(file: string, doc: Document.Parsed): RawManifest {
  try {
    return (doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) ?? {}) as RawManifest;
  } catch (error) {
    if (error instanceof ReferenceError) {
      throw new FactoryError(messages.manifestAliasBomb(file, MAX_ALIAS_COUNT), ExitCode.usage);
    }
    throw error;
  }
}

/** The most alias expansions a manifest may need (the yaml library's default). */
const MAX_ALIAS_COUNT = 100;

/** Loads and validates a manifest. Bad YAML or a schema violation names the line and what was expected. */
export function loadManifest(file: string, env: NodeJS.ProcessEnv = process.env): Manifest {
  const { doc, lines } = readDocument(file);
  const data = manifestData(file, doc);
  const errors = validate(data);
  const error = errors[0];
  if (error) {
    throw new FactoryError(
      messages.manifestInvalid(file, lineOf(doc, lines, errorPath(error)), describeError(error)),
      ExitCode.usage,
    );
  }
  const defaults = data.defaults ?? {};
  const base = dirname(resolve(file));
  const repositories = (data.repositories ?? []).map((repo): ManifestRepo => {
    const expanded = expandHome(repo.path, env);
    const path = isAbsolute(expanded) ? expanded : resolve(base, expanded);
    return {
      path,
      key: repo.path,
      name: repo.name ?? basename(path),
      url: repo.url,
      forge: repo.forge ?? defaults.forge,
      project: repo.project,
      defaultBranch: repo.defaultBranch ?? defaults.defaultBranch,
      tags: [...new Set([...(defaults.tags ?? []), ...(repo.tags ?? [])])],
      review: { ...(defaults.review ?? {}), ...(repo.review ?? {}) },
    };
  });
  return { file, repositories, timeoutSeconds: defaults.timeoutSeconds };
}

/** Writes the document to a temporary file and renames it over the manifest: never half a manifest. */
function writeAtomically(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, text);
  renameSync(temp, file);
}

function repositoriesNode(doc: Document.Parsed): YAMLMap | undefined {
  return isMap(doc.contents) ? doc.contents : undefined;
}

/** Adds a repository (comments and layout of the file are kept). Returns false when it is already listed. */
export function addRepository(
  file: string,
  entry: { path: string; tags?: readonly string[]; url?: string; forge?: ForgeName; project?: string },
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  const manifest = loadManifest(file, env);
  const absolute = resolve(expandHome(entry.path, env));
  if (manifest.repositories.some((repo) => repo.path === absolute)) return false;
  const { doc } = readDocument(file);
  if (!repositoriesNode(doc)) doc.contents = doc.createNode({ version: 1, repositories: [] }) as never;
  const item: RawRepo = { path: absolute };
  if (entry.url) item.url = entry.url;
  if (entry.forge) item.forge = entry.forge;
  if (entry.project) item.project = entry.project;
  if (entry.tags && entry.tags.length > 0) item.tags = [...entry.tags];
  if (!doc.has('repositories')) doc.set('repositories', doc.createNode([]));
  doc.addIn(['repositories'], doc.createNode(item));
  const text = doc.toString();
  writeAtomically(file, text);
  loadManifest(file, env); // what we wrote must load again
  return true;
}

/** Removes a repository by its path (as written, or resolved). Returns false when it was not listed. */
export function removeRepository(file: string, path: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const manifest = loadManifest(file, env);
  const absolute = resolve(expandHome(path, env));
  const index = manifest.repositories.findIndex((repo) => repo.key === path || repo.path === absolute);
  if (index < 0) return false;
  const { doc } = readDocument(file);
  doc.deleteIn(['repositories', index]);
  writeAtomically(file, doc.toString());
  return true;
}

export function selectRepositories(manifest: Manifest, only: string | undefined): readonly ManifestRepo[] {
  if (!only) return manifest.repositories;
  return manifest.repositories.filter((repo) => repo.tags.includes(only));
}
