import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { commonDirOf, indexFileOf } from './git.js';
import { sha1Hex } from './sha1.js';

/**
 * The id of the tree `git write-tree` would write for an index file, computed from the index's bytes
 * without a git process (the pre-commit gate records it for the reference-transaction hook; a git process
 * is the dearest thing a gate does). Only the plain cases: index versions 2 to 4 of a SHA-1 repository
 * (the caller asks git in a SHA-256 one),
 * every entry at stage 0, no intent-to-add entry, no split or sparse index. Anything else is undefined,
 * and the caller asks git. Subtrees that the index's cache-tree extension holds as valid are taken from it,
 * as git does, so a large index costs a hash of the changed folders only.
 *
 * An id that differed from git's would only make the reference-transaction hook refuse the commit (it
 * fails closed); the spec compares it with `git write-tree` on indexes of every shape.
 */

/**
 * The tree of the index the repository at `cwd` uses (GIT_INDEX_FILE's when git set it), or undefined when
 * it cannot be told without git: a SHA-256 repository (`extensions.objectFormat`, read from its config
 * file), an unreadable index, or one indexTreeId leaves to git.
 */
export function treeOfIndexFile(
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
  /** The index file's bytes, when the caller has read them already. */
  bytes?: Buffer,
): string | undefined {
  try {
    const config = readFileSync(join(commonDirOf(cwd, env), 'config'), 'utf8');
    if (/^\s*objectformat\s*=\s*"?sha256/im.test(config)) return undefined;
    return indexTreeId(bytes ?? readFileSync(indexFileOf(cwd, env)));
  } catch {
    return undefined;
  }
}

interface Entry {
  readonly path: string;
  readonly mode: number;
  readonly id: Buffer;
}

const hashBytes = 20;

export function indexTreeId(index: Buffer): string | undefined {
  if (index.length < 12 + hashBytes || index.toString('latin1', 0, 4) !== 'DIRC') return undefined;
  // The trailing checksum is not verified (hashing the whole index costs a cold gate more than the git
  // process this replaces): git has just written the file, and the entries and extensions must fill it
  // exactly up to the checksum, or the index is left to git.
  const end = index.length - hashBytes;
  const version = index.readUInt32BE(4);
  if (version < 2 || version > 4) return undefined;
  const count = index.readUInt32BE(8);
  const entries: Entry[] = [];
  let offset = 12;
  let previous = '';
  for (let i = 0; i < count; i++) {
    if (offset + 62 > end) return undefined;
    const mode = index.readUInt32BE(offset + 24);
    const id = index.subarray(offset + 40, offset + 40 + hashBytes);
    const flags = index.readUInt16BE(offset + 60);
    if ((flags & 0x3000) !== 0) return undefined; // a conflict: write-tree refuses it
    let cursor = offset + 62;
    if (flags & 0x4000) {
      if (version < 3) return undefined;
      const extended = index.readUInt16BE(cursor);
      if (extended & 0x2000) return undefined; // intent-to-add: not in the tree
      cursor += 2;
    }
    let path: string;
    if (version === 4) {
      // The path is the previous one less N bytes, plus the NUL-terminated rest (N a varint).
      let byte = index[cursor++]!;
      let strip = byte & 0x7f;
      while (byte & 0x80) {
        byte = index[cursor++]!;
        strip = ((strip + 1) << 7) | (byte & 0x7f);
      }
      const nul = index.indexOf(0, cursor);
      if (nul < 0 || nul > end || strip > previous.length) return undefined;
      path = previous.slice(0, previous.length - strip) + index.toString('latin1', cursor, nul);
      offset = nul + 1;
    } else {
      const nul = index.indexOf(0, cursor);
      if (nul < 0 || nul > end) return undefined;
      path = index.toString('latin1', cursor, nul);
      // Entries are padded with 1 to 8 NULs to a multiple of eight bytes.
      offset += Math.floor((nul - offset + 8) / 8) * 8;
    }
    previous = path;
    const type = mode >>> 12;
    // Regular files, symbolic links and submodules; a folder entry belongs to a sparse index.
    if (type !== 0b1000 && type !== 0b1010 && type !== 0b1110) return undefined;
    entries.push({ path, mode, id });
  }
  const cached = new Map<string, { count: number; id: Buffer }>();
  while (offset < end) {
    if (offset + 8 > end) return undefined;
    const signature = index.toString('latin1', offset, offset + 4);
    const size = index.readUInt32BE(offset + 4);
    const data = index.subarray(offset + 8, offset + 8 + size);
    if (offset + 8 + size > end) return undefined;
    // An extension whose name starts in lower case is one git requires to be understood (link: a split
    // index, sdir: a sparse one); the others (TREE, REUC, UNTR, ...) are optional.
    if (/^[a-z]/.test(signature)) return undefined;
    if (signature === 'TREE' && !readCacheTree(data, cached)) return undefined;
    offset += 8 + size;
  }
  return buildTree(entries, 0, entries.length, '', cached).toString('hex');
}

/**
 * The cache-tree extension: for each folder, pre-order, `path NUL count SP subtrees LF [id]`, where a
 * count of -1 marks a folder changed since its tree was written (no id). Keys are folder paths with a
 * trailing slash ('' for the top).
 */
function readCacheTree(data: Buffer, into: Map<string, { count: number; id: Buffer }>): boolean {
  let offset = 0;
  const walk = (prefix: string): boolean => {
    const nul = data.indexOf(0, offset);
    if (nul < 0) return false;
    const name = data.toString('latin1', offset, nul);
    const newline = data.indexOf(10, nul);
    if (newline < 0) return false;
    const [countText, subtreesText] = data.toString('latin1', nul + 1, newline).split(' ');
    const count = Number(countText);
    const subtrees = Number(subtreesText);
    if (!Number.isInteger(count) || !Number.isInteger(subtrees)) return false;
    offset = newline + 1;
    const path = prefix === '' && name === '' ? '' : `${prefix}${name}/`;
    if (count >= 0) {
      if (offset + hashBytes > data.length) return false;
      into.set(path, { count, id: data.subarray(offset, offset + hashBytes) });
      offset += hashBytes;
    }
    for (let i = 0; i < subtrees; i++) if (!walk(path)) return false;
    return true;
  };
  return walk('');
}

/** The tree of entries[start, end), all below `prefix` (a folder path ending in '/', or '' for the top). */
function buildTree(
  entries: readonly Entry[],
  start: number,
  end: number,
  prefix: string,
  cached: ReadonlyMap<string, { count: number; id: Buffer }>,
): Buffer {
  const known = cached.get(prefix);
  if (known && known.count === end - start) return known.id;
  const parts: Buffer[] = [];
  let i = start;
  while (i < end) {
    const entry = entries[i]!;
    const rest = entry.path.slice(prefix.length);
    const slash = rest.indexOf('/');
    if (slash < 0) {
      parts.push(Buffer.from(`${entry.mode.toString(8)} ${rest}\0`, 'latin1'), entry.id);
      i++;
      continue;
    }
    // A folder: its entries follow one another in the index (sorted by path bytes).
    const folder = `${prefix}${rest.slice(0, slash + 1)}`;
    let j = i + 1;
    while (j < end && entries[j]!.path.startsWith(folder)) j++;
    const tree = buildTree(entries, i, j, folder, cached);
    parts.push(Buffer.from(`40000 ${rest.slice(0, slash)}\0`, 'latin1'), tree);
    i = j;
  }
  const body = Buffer.concat(parts);
  const object = Buffer.concat([Buffer.from(`tree ${body.length}\0`, 'latin1'), body]);
  return Buffer.from(objectId(object), 'hex');
}

function objectId(object: Buffer): string {
  // The JavaScript SHA-1 up to 32 KiB (quicker than loading node:crypto), node:crypto beyond.
  if (object.length <= 32 * 1024) return sha1Hex(object);
  const { createHash } = process.getBuiltinModule('node:crypto');
  return createHash('sha1').update(object).digest('hex');
}
