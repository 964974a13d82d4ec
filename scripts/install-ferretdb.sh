#!/usr/bin/env bash
# Builds FerretDB (a MongoDB wire-compatible server with an embedded SQLite backend) into
# .tools/bin/ferretdb, for the MongoDB test suites on machines without a `mongod`.
#
# `go install` of FerretDB yields a binary that refuses to start (its version file is generated
# by FerretDB's own build tasks), so the module's source is fetched through the Go module proxy,
# given its version file, and built here.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=v1.24.2
BIN="$PWD/.tools/bin/ferretdb"

if [ -x "$BIN" ] && "$BIN" --version 2>/dev/null | grep -q "version: $VERSION"; then
  echo "FerretDB $VERSION is at $BIN"
  exit 0
fi
command -v go >/dev/null || { echo "install-ferretdb: Go is needed to build FerretDB" >&2; exit 1; }

work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
src=$(cd "$work" && go mod download -json "github.com/FerretDB/FerretDB@$VERSION" |
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).Dir))')
cp -r "$src" "$work/src"
chmod -R u+w "$work/src"
echo "$VERSION" > "$work/src/build/version/version.txt"
mkdir -p "$(dirname "$BIN")"
(cd "$work/src" && go build -o "$BIN" ./cmd/ferretdb)
echo "FerretDB $VERSION built at $BIN"
