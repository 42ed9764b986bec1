import {
  type Arg,
  type Invocation,
  type OpaqueCode,
  SHELLS,
  shellCodeIndex,
  shellNoExec,
} from './analyze.js';

/**
 * What the guard understands: the programs whose effects the rules can judge, and the options and inline
 * code that would make a known program run something the analysis cannot follow. Everything else is
 * refused (fail closed): a program the guard does not know could run any other program with any arguments
 * (`cross-env`, `parallel`, a function or an alias defined in the same command), so "not recognised" can
 * never mean "harmless".
 */

/** Programs that read, print or compute and never run another program: unseen arguments cannot hurt. */
const READERS = words(`
  ls cat head tail less more wc grep egrep fgrep rg ag ack file stat du df pwd echo printf true false test [
  [[ which type whereis whoami id groups uname hostname date cal printenv basename dirname realpath readlink
  cut sort uniq tr diff cmp comm paste join column fold fmt nl od hexdump xxd strings md5sum sha1sum sha256sum
  sha512sum shasum b2sum cksum base64 base32 jq yq tree seq yes sleep expr bc numfmt tac rev nproc free uptime
  ps pgrep lsof tty locale getconf lscpu lsblk ss netstat ping dig nslookup host man info apropos whatis tput
  clear diffstat colordiff wdiff fd fdfind bat exa eza lsd glow tokei cloc scc shellcheck hadolint
  actionlint yamllint jsonlint xmllint tldr pstree
`);

/** Shell builtins and keywords that change only the shell's own state (cd, variables, options). */
const BUILTINS = words(`
  cd pushd popd dirs export unset shift read local declare typeset readonly unalias exit return break continue
  : let shopt set umask ulimit hash jobs fg bg disown getopts times wait mapfile readarray enable caller
  compgen complete help history logout suspend
`);

/**
 * Programs the analysis and the rules follow: wrappers it unwraps, shells and interpreters whose code it
 * reads, and the programs whose file, git and network effects the rules judge.
 */
const FOLLOWED = words(`
  git env sudo doas nohup nice ionice stdbuf setsid chronic unbuffer timeout gtimeout command builtin exec
  xargs find parallel watch flock busybox eval source . alias trap bash sh zsh dash ksh mksh ash fish posh yash rbash
  python pypy pypy3 node nodejs bun deno perl ruby php lua awk gawk mawk nawk cross-env cross-env-shell
  dotenv dotenv-cli npx bunx pnpx uvx
  rm unlink rmdir srm trash trash-put mv cp install ln rsync scp tee sed gsed truncate touch mkdir chattr
  setfacl chmod chown chgrp dd ddrescue shred mke2fs mkswap sqlite3 curl wget patch mktemp
  tar zip unzip gzip gunzip zcat bzip2 bunzip2 xz unxz zstd unzstd 7z 7za lz4
  vim vi nvim view ex gvim emacs nano make gmake ssh kill pkill killall script su runuser time
`);

/** Everyday developer tools: build, test, lint and package programs, compilers, runtimes, CLIs. */
const TOOLS = words(`
  npm pnpm yarn corepack volta nvm fnm tsc tsx ts-node eslint prettier biome vitest jest mocha ava c8 nyc
  playwright cypress vite webpack rollup esbuild swc turbo nx lerna changeset next nuxt astro svelte-kit
  storybook node-gyp lint-staged husky stylelint knip depcruise dependency-cruiser typedoc jsdoc
  pip pip3 pipx uv poetry pipenv pdm hatch pytest py.test tox nox ruff black isort flake8 pylint mypy
  pyright coverage django-admin flask uvicorn gunicorn alembic pre-commit prek lefthook sphinx-build
  mkdocs jupyter ipython
  go gofmt goimports golangci-lint gopls cargo rustc rustup rustfmt cargo-clippy clippy-driver
  cmake ninja meson gcc g++ cc c++ clang clang++ ld ar nm objdump ldd strip javac java jar mvn gradle
  gradlew mvnw kotlin kotlinc scala sbt dotnet gem bundle bundler rake rails rspec rubocop composer
  phpunit swift swiftc xcodebuild mix elixir erl rebar3 ghc cabal stack zig dart flutter
  docker docker-compose podman kubectl helm kind minikube terraform tofu ansible-playbook
  gh glab hub openssl ssh-keygen gpg psql mysql redis-cli pg_dump pg_restore createdb
  code open xdg-open pbcopy pbpaste factory claude shfmt markdownlint markdownlint-cli2 hyperfine
  gitleaks trufflehog semgrep bandit safety pip-audit npm-check-updates ncu apt-get apt apt-cache dpkg brew
  dnf yum apk pacman port snap winget choco scoop venv json.tool unittest http.server pydoc timeit cprofile
  compileall ensurepip build twine ipykernel doctest
  aws gcloud gsutil bq az doctl eksctl sam cdk pulumi firebase vercel netlify wrangler fly flyctl heroku
  railway supabase stripe prisma drizzle-kit sqlc protoc buf ffmpeg ffprobe pandoc hugo http https xh
  trivy grype syft cosign
`);

const KNOWN = new Set([...READERS, ...BUILTINS, ...FOLLOWED, ...TOOLS]);

function words(list: string): string[] {
  return list.split(/\s+/).filter(Boolean);
}

export function isReader(program: string): boolean {
  return READERS.includes(program) || BUILTINS.includes(program);
}

/** mkfs and its per-file-system programs (`mkfs.ext4`, `mkfs.vfat`): they write the file they format. */
export const FORMATTER = /^(mkfs(\.[a-z0-9]+)?|mke2fs|mkswap)$/;

/** Options of ddrescue that take the next word as their value (`-b 2048`, `-m domain.map`). */
const DDRESCUE_VALUE_SHORT = 'abcCeEiJKlLmoOsTxZ';

/** ddrescue's operands: INFILE OUTFILE [MAPFILE]. */
export function ddrescueOperands(args: readonly Arg[]): Arg[] {
  const words: Arg[] = [];
  for (let i = 0; i < args.length; i++) {
    const text = args[i]!.value;
    if (text?.startsWith('-') && text.length > 1) {
      if (!text.startsWith('--') && DDRESCUE_VALUE_SHORT.includes(text.at(-1)!) && text.length === 2) i++;
      continue;
    }
    words.push(args[i]!);
  }
  return words;
}

/** Where a refusal tells the model what to do instead. */
const PLAIN =
  'write the command out plainly: one known program with literal arguments, no generated code or arguments';

export interface NotUnderstood {
  readonly detail: string;
}

/** Why the guard cannot follow this invocation; empty when it can. */
export function notUnderstood(
  inv: Invocation,
  repoRoot: string | undefined,
  vouched: readonly string[] = [],
): string[] {
  const program = inv.program;
  if (program === '') return [];
  const out: string[] = [];
  // `npx create-vite@latest`: the package's version is not part of the name a human vouched for.
  const unversioned = program.replace(/(?<=.)@[^@/]*$/, '');
  if (!KNOWN.has(program) && !FORMATTER.test(program) && !vouched.includes(unversioned)) {
    const insideProject =
      inv.path !== undefined && repoRoot !== undefined && (inv.path + '/').startsWith(`${repoRoot}/`);
    if (!insideProject)
      out.push(
        `the guard does not know what ${program} does, so it cannot tell what it would run or change (${PLAIN}; a project script may be run by its path; a human can vouch for ${program} in the config: guard.programs)`,
      );
  }
  if (inv.items !== undefined && !isReader(program) && !itemsAreShellData(inv)) {
    const via = inv.via.at(-1) ?? 'xargs';
    if (inv.items === 'unknown')
      out.push(
        `${via} gives ${program || 'a command'} arguments read at run time that the guard never sees (write the arguments out: ${program} ARG...)`,
      );
    else if (SHELL_LIKE.has(program))
      out.push(`${via} builds code for ${program} from its input (run the commands directly instead)`);
  }
  out.push(...optionFindings(inv));
  return out;
}

/**
 * A shell fed run-time items that cannot become code: with noexec (`xargs bash -n`) nothing runs; with
 * `-c CODE` the items land after the code, as the positional parameters `$0`, `$1`... (`xargs -n1 sh -c
 * 'wc -l "$1"' _`), which the analysis of CODE already treats as values only known at run time. Not when
 * the code itself holds the string xargs -I / find -exec replaces (`xargs -I{} sh -c 'rm {}'`).
 */
function itemsAreShellData(inv: Invocation): boolean {
  // parallel joins the command's words into one line for a shell and replaces {} and its kin in it.
  if (!SHELLS.has(inv.program) || inv.via.includes('parallel')) return false;
  if (shellNoExec(inv.args)) return true;
  const at = shellCodeIndex(inv.args);
  if (at < 0) return false;
  const code = inv.args[at];
  if (code?.value === undefined) return false;
  const replace = inv.itemsReplace;
  if (replace !== undefined && inv.args.slice(0, at + 1).some((arg) => arg.raw.includes(replace)))
    return false;
  return true;
}

const SHELL_LIKE = new Set([
  'bash',
  'sh',
  'zsh',
  'dash',
  'ksh',
  'eval',
  'source',
  '.',
  'python',
  'node',
  'perl',
  'ruby',
  'php',
  'awk',
  'gawk',
  'mawk',
  'nawk',
  'env',
  'sudo',
  'command',
  'exec',
  'xargs',
  'parallel',
  'find',
  'busybox',
]);

function values(args: readonly Arg[]): string[] {
  return args.map((arg) => arg.value ?? '');
}

/** A disk, partition or other block device (a write to it destroys a file system). */
const DEVICE = /^\/dev\/(?!null$|zero$|stdout$|stderr$|fd\/[12]$)/;

/** Options of known programs that make them run code the guard does not see. */
function optionFindings(inv: Invocation): string[] {
  const args = values(inv.args);
  const has = (regex: RegExp) => args.some((text) => regex.test(text));
  switch (inv.program) {
    case 'tar': {
      const first = args[0] ?? '';
      if (
        has(
          /^--(checkpoint-action|to-command|use-compress-program|rsh-command|info-script|new-volume-script|rmt-command)/,
        ) ||
        has(/^-[a-zA-Z]*[IF]/) ||
        (!first.startsWith('-') && /[IF]/.test(first))
      )
        return [`tar runs a program given in its options (${PLAIN}: tar with plain create/extract options)`];
      return [];
    }
    case 'zip':
      return has(/^(-TT|--unzip-command)/) ? [`zip -TT runs a program (${PLAIN})`] : [];
    case 'rsync':
      return has(/^(-e|--rsh|--rsync-path)|^-[a-zA-Z]*e$/)
        ? [`rsync -e/--rsync-path runs a program (${PLAIN}: rsync without -e)`]
        : [];
    case 'ssh':
      return has(/ProxyCommand|LocalCommand|KnownHostsCommand|PermitLocalCommand|Match\s+exec/i)
        ? ['ssh -o ProxyCommand/LocalCommand runs a local program (connect without them)']
        : [];
    case 'vim':
    case 'vi':
    case 'nvim':
    case 'view':
    case 'ex':
    case 'gvim':
      return inv.program === 'ex' ||
        has(/^(-c|--cmd|-S|-s|-e|-E|-es|-Es|-u|-ex|-n?es)$|^\+|^-[a-zA-Z]*[eEsS][a-zA-Z]*$/)
        ? [`${inv.program} run with commands or as a script runs code (use Edit or sed to change files)`]
        : [];
    case 'emacs':
      return has(/^(--eval|-l|--load|--batch|-batch|-f|--funcall|--script|-x)/)
        ? ['emacs with --eval/--batch/--load runs code (use Edit to change files)']
        : [];
    case 'make':
    case 'gmake': {
      const readsStdin = args.some(
        (text, i) =>
          ((text === '-f' || text === '--file' || text === '--makefile') &&
            ['-', '/dev/stdin'].includes(args[i + 1] ?? '')) ||
          /^(--file=|--makefile=|-f)(-|\/dev\/stdin)$/.test(text),
      );
      if (readsStdin || has(/^--eval/) || has(/^-E$/))
        return [
          `${inv.program} reading its rules from the input or --eval runs code the guard never sees (run the commands directly)`,
        ];
      return [];
    }
    case 'sed':
    case 'gsed': {
      const scripts = sedScripts(args);
      if (
        scripts.some((script) =>
          /(^|[;{}\n]\s*)([\d$,/!\s]|\/[^/]*\/)*e(\s|;|$)|\bs(.)(?:(?!\4).)*\4(?:(?!\4).)*\4[gIipmM\dw]*e/.test(
            script,
          ),
        )
      )
        return ['sed with the e command or the s///e flag runs a shell command (run the command directly)'];
      return [];
    }
    case 'dd':
      return has(/^of=\/dev\/(sd|hd|vd|xvd|nvme|mmcblk|disk|rdisk|loop|md|dm-|mapper)/)
        ? ['dd writes to a disk device (write to a file inside the project)']
        : [];
    case 'shred':
    case 'srm':
      // Without files it does nothing (it says so); with files it destroys them beyond recovery.
      return inv.args.some((arg) => arg.value === undefined || !arg.value.startsWith('-'))
        ? [`${inv.program} destroys file contents beyond recovery (delete project files with rm, by name)`]
        : [];
    case 'ddrescue': {
      // ddrescue writes OUTFILE and MAPFILE: the rules judge those as writes. A disk device is another matter.
      const targets = ddrescueOperands(inv.args).slice(1);
      if (targets.some((arg) => arg.value === undefined))
        return [`${inv.program} with a target only known at run time (${PLAIN})`];
      return targets.some((arg) => DEVICE.test(arg.value!))
        ? [`${inv.program} overwrites a disk device (write to a file inside the project)`]
        : [];
    }
    default:
      if (FORMATTER.test(inv.program)) {
        if (inv.args.some((arg) => arg.value === undefined))
          return [`${inv.program} with a target only known at run time (${PLAIN})`];
        return args.some((text) => DEVICE.test(text))
          ? [`${inv.program} formats a disk device (format an image file inside the project)`]
          : [];
      }
      return [];
  }
}

function sedScripts(args: readonly string[]): string[] {
  const scripts: string[] = [];
  let explicit = false;
  for (let i = 0; i < args.length; i++) {
    const text = args[i]!;
    if (text === '-e' || text === '--expression') {
      scripts.push(args[i + 1] ?? '');
      explicit = true;
      i++;
    } else if (text.startsWith('--expression=')) {
      scripts.push(text.slice(13));
      explicit = true;
    } else if (text === '-f' || text === '--file') {
      explicit = true;
      i++;
    }
  }
  if (!explicit) {
    const first = args.find((text) => !text.startsWith('-'));
    if (first !== undefined) scripts.push(first);
  }
  return scripts;
}

// ---- inline code of other languages -------------------------------------------------------------

/**
 * What inline code may not do for the guard to let it through unseen: run programs, write, delete or
 * move files, load code dynamically, or reach names through strings (`getattr(os, 'sys'+'tem')`,
 * `fs['write'+'File']`). Code that only computes and prints passes; anything else is opaque.
 */
const CAPABILITIES: Record<string, RegExp> = {
  python:
    /\b(os\s*\.\s*(?!path\b|environ\b|getcwd\b|listdir\b|sep\b|getenv\b|linesep\b|cpu_count\b)\w+|import\s+os\s+as|from\s+os\s+import|subprocess|shutil|pty|importlib|ctypes|socket|__import__|getattr|setattr|globals|vars|builtins|__builtins__|__dict__|sys\s*\.\s*modules|exec|eval|compile|system|popen|spawn|execv\w*|write_text|write_bytes|unlink|rmdir|rmtree|rename|replace|symlink_to|chmod|touch|mkdir|codecs|base64|pickle|marshal|urllib|requests|http)\b|\bopen\s*\([^)]*,/,
  javascript:
    /child_process|\b(exec|execSync|execFile|execFileSync|spawn|spawnSync|fork|eval|Function|writeFile|writeFileSync|appendFile|appendFileSync|unlink|unlinkSync|rm|rmSync|rmdir|rmdirSync|rename|renameSync|copyFile|copyFileSync|cp|cpSync|symlink|symlinkSync|chmod|chmodSync|truncate|truncateSync|createWriteStream|open|openSync|mkdir|mkdirSync|vm|worker_threads|binding|dlopen|Reflect|Proxy|constructor|globalThis|process\.env|fetch|http|https|net)\b|\brequire\s*\(\s*[^'"`\s]|\bimport\s*\(|\[\s*['"`]|fs\/promises|\bfs\.promises/,
  perl: /\b(system|exec|qx|open|unlink|rmdir|rename|eval|do|require|fork|kill|chmod|symlink|link|mkdir|utime|truncate|syscall|glob)\b|`|\bs(\W).*?\2.*?\2[a-z]*e/,
  ruby: /\b(system|exec|spawn|open|eval|send|public_send|instance_eval|class_eval|Kernel|Open3|IO|File|FileUtils|Dir|require|load|fork|syscall|Process)\b|`|%x/,
  php: /\b(system|exec|shell_exec|passthru|popen|proc_open|eval|assert|unlink|file_put_contents|fopen|rename|rmdir|mkdir|include|require|include_once|require_once|call_user_func|create_function)\b|`|\$\w+\s*\(/,
  lua: /\b(os|io|load|loadstring|dofile|loadfile|require|debug|package)\b/,
  awk: /\b(system|getline)\b|[^|]\|[^|]|\bprintf?\b[^;}]*>|\bclose\b/,
};

/** Why inline code is opaque to the guard; undefined when it provably only computes and prints. */
export function opaqueInlineCode(code: OpaqueCode): string | undefined {
  if (!code.inline) return undefined;
  const capability = CAPABILITIES[code.language];
  if (!capability) return `${code.where} runs ${code.language} code the guard cannot read (${PLAIN})`;
  const match = capability.exec(code.code);
  if (!match) return undefined;
  return `${code.where} runs ${code.language} code that can run programs or change files (${match[0].trim()}), which the guard cannot follow; run the command or the file change directly, or put the code in a file in the project and run that`;
}
