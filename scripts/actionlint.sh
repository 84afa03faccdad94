#!/usr/bin/env bash
# Lints every workflow file and every workflow example in README.md and docs/ with
# actionlint, installed from the Go module proxy into the git-ignored .cache/.
set -euo pipefail
cd "$(dirname "$0")/.."
version=v1.7.12
bin=.cache/bin/actionlint-$version
if [ ! -x "$bin" ]; then
  echo "actionlint: installing $version from the Go module proxy"
  GOBIN="$PWD/.cache/bin/tmp" go install "github.com/rhysd/actionlint/cmd/actionlint@$version"
  mv .cache/bin/tmp/actionlint "$bin"
fi

examples=$(mktemp -d)
trap 'rm -rf "$examples"' EXIT
# Every ```yaml block of the README and docs/ that is a whole workflow (has `on:` and `jobs:`).
awk -v dir="$examples" '
  /^```ya?ml[[:space:]]*$/ { inblock = 1; n++; buf = ""; next }
  inblock && /^```/ { inblock = 0; if (buf ~ /(^|\n)on:/ && buf ~ /(^|\n)jobs:/) { f = dir "/example-" n ".yml"; printf "%s", buf > f; close(f) } next }
  inblock { buf = buf $0 "\n" }
' README.md docs/*.md
count=$(find "$examples" -name '*.yml' | wc -l)
echo "actionlint: $(ls .github/workflows/*.yml | wc -l) workflow files, $count examples in README.md and docs/"
"$bin" -no-color .github/workflows/*.yml "$examples"/*.yml
echo "actionlint: no problems"
