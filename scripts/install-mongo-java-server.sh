#!/usr/bin/env bash
# Builds a launcher for mongo-java-server (in-memory, atomic single-document updates) into
# .tools/mongo-java-server: the second MongoDB-compatible server of the MongoDB test suites.
# Needs Java 17 and Maven; the library comes from Maven Central through Maven's own client.
#
# Output: .tools/mongo-java-server/launcher.jar, its dependencies in lib/, and a `stamp` naming
# the sources it was built from, so that a second run with unchanged sources does nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

SRC="$PWD/scripts/mongo-java-server"
OUT="$PWD/.tools/mongo-java-server"
stamp=$(cat "$SRC/pom.xml" $(find "$SRC/src" -type f | sort) | sha256sum | cut -d' ' -f1)

if [ -f "$OUT/stamp" ] && [ "$(cat "$OUT/stamp")" = "$stamp" ] && [ -f "$OUT/launcher.jar" ]; then
  echo "mongo-java-server launcher is at $OUT"
  exit 0
fi
command -v java >/dev/null || { echo "install-mongo-java-server: Java 17 is needed" >&2; exit 1; }
command -v mvn >/dev/null || { echo "install-mongo-java-server: Maven is needed" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$SRC/." "$work/"
if ! (cd "$work" && mvn -q -B package dependency:copy-dependencies -DincludeScope=runtime \
  -DoutputDirectory="$work/target/lib") >"$work/maven.log" 2>&1; then
  cat "$work/maven.log" >&2
  exit 1
fi
rm -rf "$OUT.new"
mkdir -p "$OUT.new"
cp "$work/target/launcher.jar" "$OUT.new/launcher.jar"
cp -r "$work/target/lib" "$OUT.new/lib"
echo "$stamp" > "$OUT.new/stamp"
rm -rf "$OUT"
mv "$OUT.new" "$OUT"
echo "mongo-java-server launcher built at $OUT"
