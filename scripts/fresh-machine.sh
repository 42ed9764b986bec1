#!/usr/bin/env bash
# The new user's path, end to end, in a fresh container-like run: a new HOME (empty npm cache, no shell
# start-up files), only the system's Node on PATH (Node 20 on these machines), a clone of the repository.
#   bash scripts/fresh-machine.sh [REPOSITORY] [BRANCH]        (default: this clone, branch main)
#   FACTORY_FRESH_SKIP_TESTS=1 ...                              (skip `npm test`, the long step)
# It checks what the README promises:
#   1. `npm install && npm run demo`, then `npm test` pass (Node 24 provisioned inside them when needed);
#   2. `npm run install:global` puts `factory` on PATH, also for a new login or interactive shell;
#   3. `factory init` in a new Python and a new TypeScript repository: a first gated commit, a refused secret;
#   4. `factory uninstall` leaves both repositories as they were (one hash of the working tree, .git/config,
#      .git/info/exclude and .git/hooks).
# Needs git, bash, a Node with npm, and the npm registry (a new HOME has an empty npm cache).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source_repo="${1:-$here}"
branch="${2:-main}"
work="$(mktemp -d "${TMPDIR:-/tmp}/factory-fresh-XXXXXX")"
started=$SECONDS
failures=0

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
pass() { printf 'PASS  %s\n' "$*"; }
fail() {
  printf 'FAIL  %s\n' "$*"
  failures=$((failures + 1))
}

# A new HOME and the system's folders only: no provisioned node, no ~/.local/bin.
export HOME="$work/home"
mkdir -p "$HOME"
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
unset npm_config_prefix NODE_OPTIONS
export GIT_AUTHOR_NAME='Fresh Machine' GIT_AUTHOR_EMAIL='fresh@factory.invalid'
export GIT_COMMITTER_NAME='Fresh Machine' GIT_COMMITTER_EMAIL='fresh@factory.invalid'
echo "work folder: $work"
echo "node on PATH: $(command -v node) $(node --version), npm $(npm --version), git $(git --version | cut -d' ' -f3)"

step "clone $source_repo ($branch)"
git clone -q --branch "$branch" "$source_repo" "$work/factory"
cd "$work/factory"

step 'npm install && npm run demo'
if (npm install --no-audit --no-fund && npm run demo) >"$work/demo.log" 2>&1; then
  if grep -q 'refused' "$work/demo.log"; then pass 'the demo ran and a gate refused the secret'; else fail 'the demo passed without a refusal (see demo.log)'; fi
else
  fail "npm install && npm run demo (see $work/demo.log)"
  tail -20 "$work/demo.log"
fi

if [ "${FACTORY_FRESH_SKIP_TESTS:-}" = 1 ]; then
  step 'npm test (skipped: FACTORY_FRESH_SKIP_TESTS=1)'
else
  step 'npm test'
  t0=$SECONDS
  if npm test >"$work/test.log" 2>&1; then
    pass "npm test ($(grep -E '^ℹ (tests|pass|fail)' "$work/test.log" | tr '\n' ' ')in $((SECONDS - t0)) s)"
  else
    fail "npm test (see $work/test.log)"
    grep -E '^ℹ (tests|pass|fail)|^✖' "$work/test.log" | head -20
  fi
fi

step 'npm run install:global'
if npm run install:global >"$work/install.log" 2>&1; then pass 'installed'; else
  fail "npm run install:global (see $work/install.log)"
  tail -20 "$work/install.log"
fi
# A new shell, login and interactive, with the system PATH only: it must find factory by itself.
for mode in -l -i; do
  found="$(env -i HOME="$HOME" TERM=dumb PATH=/usr/local/bin:/usr/bin:/bin bash "$mode" -c 'command -v factory && factory --version' 2>/dev/null || true)"
  if [ -n "$found" ]; then pass "a new bash $mode finds $(echo "$found" | tr '\n' ' ')"; else fail "a new bash $mode does not find factory"; fi
done
factory="$(env -i HOME="$HOME" PATH=/usr/local/bin:/usr/bin:/bin bash -lc 'command -v factory' || echo "$HOME/.local/bin/factory")"

# What init may touch: the working tree (modes too), .git/config, .git/info/exclude, .git/hooks.
fingerprint() {
  (
    cd "$1"
    find . -path ./.git -prune -o -print0 | sort -z | xargs -0 stat -c '%n %a' 2>/dev/null
    find . -path ./.git -prune -o -type f -print0 | sort -z | xargs -0 sha256sum 2>/dev/null
    sha256sum .git/config .git/info/exclude
    find .git/hooks -print0 | sort -z | xargs -0 stat -c '%n %a'
    find .git/hooks -type f -print0 | sort -z | xargs -0 sha256sum
    ls -a .git | grep -i factory || true
  ) | sha256sum | cut -d' ' -f1
}

for kind in python typescript; do
  step "factory init in a new $kind repository"
  repo="$work/$kind-app"
  mkdir -p "$repo"
  cd "$repo"
  git init -q -b main
  if [ "$kind" = python ]; then
    printf '[project]\nname = "app"\nversion = "0.1.0"\n' >pyproject.toml
    printf 'print("hello")\n' >app.py
  else
    printf '{\n  "name": "app",\n  "version": "1.0.0"\n}\n' >package.json
    printf 'export const hello = "hello";\n' >index.ts
  fi
  before="$(fingerprint "$repo")"
  # A new shell: what the user has after installing, nothing else.
  in_shell() { env -i HOME="$HOME" TERM=dumb PATH=/usr/local/bin:/usr/bin:/bin GIT_AUTHOR_NAME="$GIT_AUTHOR_NAME" GIT_AUTHOR_EMAIL="$GIT_AUTHOR_EMAIL" GIT_COMMITTER_NAME="$GIT_COMMITTER_NAME" GIT_COMMITTER_EMAIL="$GIT_COMMITTER_EMAIL" bash -lc "cd '$repo' && $1"; }
  if in_shell 'factory init --yes' >"$work/$kind-init.log" 2>&1; then pass "factory init ($(grep -o 'preset [a-z]*' "$work/$kind-init.log" | head -1))"; else
    fail "factory init (see $work/$kind-init.log)"
    tail -5 "$work/$kind-init.log"
  fi
  if in_shell 'git add -A && git commit -q -m "first commit"' >"$work/$kind-commit.log" 2>&1; then
    pass "a first gated commit ($(in_shell 'factory gate history' | head -1 | tr -s ' '))"
  else
    fail "the first commit (see $work/$kind-commit.log)"
    tail -5 "$work/$kind-commit.log"
  fi
  printf 'aws_key = "AKIA%s"\n' 'Z7Q2X4M8K1P9D3W5' >settings.txt
  if in_shell 'git add settings.txt && git commit -q -m "add settings"' >"$work/$kind-secret.log" 2>&1; then
    fail 'a secret was committed'
  elif grep -q 'AWS access key' "$work/$kind-secret.log"; then pass 'the secret is refused'; else
    fail "the secret commit failed for another reason (see $work/$kind-secret.log)"
  fi
  git reset -q -- settings.txt
  rm -f settings.txt
  # The first commit stays (it is the user's); everything factory added goes.
  after_commit="$(fingerprint "$repo")"
  if in_shell 'factory uninstall --remove-state' >"$work/$kind-uninstall.log" 2>&1; then
    now="$(fingerprint "$repo")"
    if [ "$now" = "$before" ]; then pass 'factory uninstall: the repository is as it was (same hash)'; else
      fail "factory uninstall left a difference (hash before $before, after $now; see $work/$kind-uninstall.log)"
    fi
  else
    fail "factory uninstall (see $work/$kind-uninstall.log)"
  fi
  [ "$after_commit" != "$before" ] || fail 'init changed nothing that the hash sees (the check would prove nothing)'
done

step "done in $((SECONDS - started)) s: $failures failure(s); logs in $work"
[ "$failures" -eq 0 ]
