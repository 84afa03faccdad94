#!/usr/bin/env bash
# Fails when package-lock.json is not what `npm install` makes of package.json: `npm ci`
# checks only that the lock satisfies package.json, so a lock without another platform's
# optional packages (native builds) would install here and fail on the next machine.
set -euo pipefail
cd "$(dirname "$0")/.."
npm install --package-lock-only --ignore-scripts --no-audit --no-fund --loglevel=error
if ! git diff --quiet --exit-code -- package-lock.json; then
  echo "package-lock.json is not what 'npm install' writes: run 'npm install' and commit package-lock.json." >&2
  git --no-pager diff --stat -- package-lock.json >&2
  exit 1
fi
echo "package-lock.json is complete and up to date."
