#!/usr/bin/env bash
# nektos/act, built from the Go module proxy into the git-ignored .cache/act, for the
# opt-in test of the fleet workflow's shape (__tests__/act/). Prints the binary's path.
set -euo pipefail
cd "$(dirname "$0")/.."
version=v0.2.89
bin=.cache/act/act-$version
if [ ! -x "$bin" ]; then
  echo "act: installing $version from the Go module proxy" >&2
  GOFLAGS=-buildvcs=false GOTOOLCHAIN=local GOBIN="$PWD/.cache/act/tmp" \
    go install "github.com/nektos/act@$version" >&2
  mv .cache/act/tmp/act "$bin"
fi
echo "$PWD/$bin"
