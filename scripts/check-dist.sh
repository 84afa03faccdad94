#!/usr/bin/env bash
# Fails when dist/ is not what `npm run build` makes from the current sources.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run --silent build >/dev/null
if ! git diff --quiet --exit-code -- dist || [ -n "$(git ls-files --others --exclude-standard dist)" ]; then
  echo "dist/ is stale: run 'npm run build' and commit dist/." >&2
  git --no-pager diff --stat -- dist >&2
  exit 1
fi
echo "dist/ is up to date."
