#!/usr/bin/env bash
# Builds helmfile (the benchmark's second contender) with `go install` from the Go module
# proxy into .cache/helmfile/<version>/helmfile, skipping it when already built. Prints the path.
#
#   bash bench/build-helmfile.sh            build if missing
#   HELMFILE_VERSION=v1.4.4 bash ...        another version (its own cache key)
#
# LEAD'S RULE (do not change): a refusal by the module proxy is final in this workplace.
# helmfile v1.4.4 cannot be built here: the proxy answers 403 for go.mod/.info files of
# some of its dependencies (e.g. github.com/helmfile/vals v0.43.8). We do not work around a
# refusal (no fill-in proxy, no files taken from elsewhere): this script fails with a clear
# message and the benchmark reports helmfile as unavailable. On a machine whose proxy serves
# every module, the same script builds it.
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
pkg=github.com/helmfile/helmfile@$HELMFILE_VERSION
ldflags="-s -w -X go.szostok.io/version.version=$HELMFILE_VERSION"
t0=$(date +%s)
echo "build-helmfile: building helmfile $HELMFILE_VERSION (log: ${log#"$root"/})" >&2
if ! env GOBIN="$dir" go install -v -ldflags "$ldflags" "$pkg" >"$log" 2>&1; then
  {
    echo "build-helmfile: FAILED: go install $pkg"
    grep -E ': 403|refused|not found' "$log" | head -3 | sed 's/^/  | /'
    echo "  log: $log"
  } >&2
  exit 1
fi
"$dir/helmfile" version -o short 2>/dev/null | grep -q "${HELMFILE_VERSION#v}" ||
  { echo "build-helmfile: built binary reports '$("$dir/helmfile" version -o short 2>&1)', expected $HELMFILE_VERSION" >&2; exit 1; }
touch "$dir/.built"
echo "build-helmfile: built in $(($(date +%s) - t0)) s" >&2
echo "$dir/helmfile"
