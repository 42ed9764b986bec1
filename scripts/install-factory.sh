#!/usr/bin/env bash
# Puts `factory` on PATH for this user, for good (a new shell finds it):
#   npm run install:global          (from a clone of this repository; any Node.js with npm)
# 1. a Node.js factory supports (Node 24 from the npm registry) in $FACTORY_PREFIX/toolchain, unless the
#    running one is new enough; the system Node stays as it is;
# 2. factory itself, packed as one self-contained package (scripts/pack.mjs), installed into $FACTORY_PREFIX
#    from the tarball (its dependencies are inside it: no registry needed);
# 3. a `factory` command in $FACTORY_BIN_DIR that runs it with that Node, and that folder on PATH in the
#    shell start-up files when it is not there yet.
# Hooks written by `factory init` record these paths, which do not depend on this clone.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
prefix="${FACTORY_PREFIX:-$HOME/.local/share/factory}"
bin_dir="${FACTORY_BIN_DIR:-$HOME/.local/bin}"
mkdir -p "$prefix" "$bin_dir"

node_bin="$(FACTORY_TOOLCHAIN_DIR="$prefix/toolchain" bash "$root/scripts/provision-node.sh")"
node="$node_bin/node"
export PATH="$node_bin:$PATH"

if [ ! -f "$root/packages/cli/dist/bin.js" ]; then (cd "$root" && npm run build --silent >&2); fi
tarball="$("$node" "$root/scripts/pack.mjs")"
npm install --global --prefix "$prefix" --offline --no-audit --no-fund --loglevel=error "$tarball" >&2
entry="$prefix/lib/node_modules/code-factory-cli/dist/bin.js"
if [ ! -f "$entry" ]; then
  echo "install-factory: npm did not install $entry; see npm's output above." >&2
  exit 2
fi

shim="$bin_dir/factory"
tmp="$shim.tmp.$$"
printf '#!/bin/sh\n# written by factory'"'"'s scripts/install-factory.sh\nexec %s %s "$@"\n' "'$node'" "'$entry'" > "$tmp"
chmod 755 "$tmp"
mv "$tmp" "$shim"

# A new shell must find it: add the folder to PATH in the start-up files that lack it.
line="export PATH=\"$bin_dir:\$PATH\"  # added by factory's install-factory.sh"
for rc in "$HOME/.profile" "$HOME/.bashrc" "$HOME/.zshrc"; do
  case "$rc" in *zshrc) [ -f "$rc" ] || continue ;; esac
  if [ -f "$rc" ] && grep -qF "$bin_dir" "$rc"; then continue; fi
  printf '\n%s\n' "$line" >> "$rc"
done
echo "factory $("$shim" --version) is installed: $shim (runs $entry with $node)." >&2
case ":$PATH:" in
  *":$bin_dir:"*) ;;
  *) echo "Open a new shell, or run: export PATH=\"$bin_dir:\$PATH\"" >&2 ;;
esac
echo "$shim"
