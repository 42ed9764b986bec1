#!/usr/bin/env bash
# Provision the reference Node.js (24 LTS) from the npm registry into .toolchain/ of this repository,
# without touching the system Node (FACTORY_TOOLCHAIN_DIR: another folder than .toolchain/). Prints the
# folder to put first on PATH.
#   export PATH="$(bash scripts/provision-node.sh):$PATH"
# The `node` registry package ships the real binary inside a per-platform registry package, so this
# needs nothing but npm and the registry.
set -euo pipefail
NODE_VERSION="${FACTORY_NODE_VERSION:-24.21.0}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
prefix="${FACTORY_TOOLCHAIN_DIR:-$root/.toolchain}/node-$NODE_VERSION"
bin="$prefix/node_modules/node/bin"

if [ -x "$bin/node" ] && [ "$("$bin/node" --version 2>/dev/null)" = "v$NODE_VERSION" ]; then
  echo "$bin"
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "provision-node: npm is not on PATH; install any Node.js with npm first, then run this again." >&2
  exit 2
fi
tmp="$prefix.tmp.$$"
rm -rf "$tmp"
mkdir -p "$tmp"
mkdir -p "$(dirname "$prefix")"
echo '{"name":"factory-toolchain","private":true}' > "$tmp/package.json"
if ! (cd "$tmp" && npm install --no-save --no-audit --no-fund --loglevel=error "node@$NODE_VERSION" >&2); then
  rm -rf "$tmp"
  echo "provision-node: could not install node@$NODE_VERSION from the npm registry; check the registry settings (npm config get registry)." >&2
  exit 2
fi
rm -rf "$prefix"
mv "$tmp" "$prefix"
if [ "$("$bin/node" --version)" != "v$NODE_VERSION" ]; then
  echo "provision-node: the installed node does not report v$NODE_VERSION." >&2
  exit 2
fi
echo "$bin"
