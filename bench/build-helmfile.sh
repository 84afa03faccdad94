#!/usr/bin/env bash
# Builds helmfile (the benchmark's second contender) from the Go module proxy into
# .cache/helmfile/<version>/helmfile, skipping it when already built. Prints the path.
# Progress goes to stderr every 30 s; a cold build takes 30+ minutes on 2 busy cores.
#
#   bash bench/build-helmfile.sh            build if missing
#   HELMFILE_VERSION=v1.9.0 bash ...        another version (its own cache key; regenerates
#                                           the wrapper module bench/helmfile/go.mod)
#
# It is built from the wrapper module bench/helmfile (see gen-gomod.sh there), not with
# `go install`, which would drop the `replace` lines helmfile's go.mod needs to compile.
# helmfile runs helm as a child: the benchmark passes --helm-binary, so no helm on PATH is needed.
set -euo pipefail

HELMFILE_VERSION=${HELMFILE_VERSION:-v1.8.0}
root=$(cd "$(dirname "$0")/.." && pwd)
wrapper=$root/bench/helmfile
cache=${TESTBED_CACHE:-$root/.cache}
dir=$cache/helmfile/$HELMFILE_VERSION
log=$cache/logs/helmfile-$HELMFILE_VERSION.log

if [[ -x $dir/helmfile && -f $dir/.built ]]; then
  echo "$dir/helmfile"
  exit 0
fi
command -v go >/dev/null || { echo "build-helmfile: go is not on PATH (needs Go >= 1.26)" >&2; exit 1; }

mkdir -p "$dir" "$(dirname "$log")"
export GOFLAGS="${GOFLAGS:--buildvcs=false} -mod=mod"
export GOTOOLCHAIN=${GOTOOLCHAIN:-local}
t0=$(date +%s)
say() { printf '[build-helmfile %4ss] %s\n' "$(($(date +%s) - t0))" "$*" >&2; }

if ! grep -q "^require github.com/helmfile/helmfile $HELMFILE_VERSION\$" "$wrapper/go.mod" 2>/dev/null; then
  say "wrapper module: regenerating go.mod for helmfile $HELMFILE_VERSION"
  "$wrapper/gen-gomod.sh" "$HELMFILE_VERSION" >&2
fi
say "building helmfile $HELMFILE_VERSION (log: $log)"
(
  while sleep 30; do say "still building, $(grep -c . "$log" 2>/dev/null || echo 0) packages so far"; done
) &
ticker=$!
trap 'kill "$ticker" 2>/dev/null || true' EXIT
rc=0
(cd "$wrapper" && go build -v -ldflags "-s -w -X go.szostok.io/version.version=$HELMFILE_VERSION" \
  -o "$dir/helmfile" github.com/helmfile/helmfile) >"$log" 2>&1 || rc=$?
if ((rc != 0)); then
  {
    echo "build-helmfile: FAILED (exit $rc): go build github.com/helmfile/helmfile in $wrapper"
    grep -E ': 403|: 404|refused|not found|cannot|undefined' "$log" | head -5 | sed 's/^/  | /'
    echo "  log: $log"
  } >&2
  exit 1
fi
# `helmfile version` also looks up the latest release on github.com and exits non-zero
# when it cannot (no network here): only its first line, the version, is checked.
reported=$("$dir/helmfile" version -o short 2>/dev/null | head -1 || true)
[[ $reported == "$HELMFILE_VERSION" ]] ||
  { echo "build-helmfile: built binary reports '$reported', expected $HELMFILE_VERSION" >&2; exit 1; }
touch "$dir/.built"
say "built in $(($(date +%s) - t0)) s"
echo "$dir/helmfile"
