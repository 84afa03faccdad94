#!/usr/bin/env bash
# Builds helmfile (the benchmark's second contender) from the Go module proxy into
# .cache/helmfile/<version>/helmfile, skipping it when already built. Prints the path.
#
#   bash bench/build-helmfile.sh            build if missing
#   HELMFILE_VERSION=v1.4.4 bash ...        another version (its own cache key)
#
# helmfile runs helm as a child: the benchmark passes --helm-binary, so no helm on PATH is needed.
set -euo pipefail

HELMFILE_VERSION=${HELMFILE_VERSION:-v1.4.4}
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${TESTBED_CACHE:-$root/.cache}
dir=$cache/helmfile/$HELMFILE_VERSION
log=$cache/logs/helmfile-$HELMFILE_VERSION.log

if [[ -x $dir/helmfile && -f $dir/.built ]]; then
  echo "$dir/helmfile"
  exit 0
fi
command -v go >/dev/null || { echo "build-helmfile: go is not on PATH (needs Go >= 1.25)" >&2; exit 1; }

mkdir -p "$dir" "$(dirname "$log")"
export GOFLAGS="${GOFLAGS:--buildvcs=false}"
export GOTOOLCHAIN=${GOTOOLCHAIN:-local}
ld="-s -w -X go.szostok.io/version.version=$HELMFILE_VERSION -X go.szostok.io/version.dirtyBuild=false"
echo "build-helmfile: building helmfile $HELMFILE_VERSION (log: ${log#"$root"/})" >&2
t0=$(date +%s)
if ! env GOBIN="$dir" go install -v -ldflags "$ld" "github.com/helmfile/helmfile@$HELMFILE_VERSION" >"$log" 2>&1; then
  {
    echo "build-helmfile: FAILED: go install github.com/helmfile/helmfile@$HELMFILE_VERSION"
    echo "  log: $log (last lines below)"
    tail -n 20 "$log" | sed 's/^/  | /'
  } >&2
  exit 1
fi
"$dir/helmfile" version -o short 2>/dev/null | grep -q "${HELMFILE_VERSION#v}" ||
  { echo "build-helmfile: built binary reports '$("$dir/helmfile" version -o short 2>&1)', expected $HELMFILE_VERSION" >&2; exit 1; }
touch "$dir/.built"
echo "build-helmfile: built in $(($(date +%s) - t0)) s" >&2
echo "$dir/helmfile"
