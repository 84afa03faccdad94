#!/usr/bin/env bash
# Quick start: install what is needed, build and start the local test bed, and
# deploy examples/ops-repo to it through the built action (dist/), twice: a
# first push (installs) and a push that changes one values file (an upgrade).
# TESTBED_EXTERNAL_KUBECONFIGS="a.yaml b.yaml" deploys to those clusters instead.
set -euo pipefail
cd "$(dirname "$0")/.."

bash test/bed/install-deps.sh
[ -d node_modules ] || npm ci --no-audit --no-fund
if [ -n "${TESTBED_EXTERNAL_KUBECONFIGS:-}" ]; then
  bash test/bed/build.sh helm # external clusters: only helm is needed
else
  npm run --silent testbed:build
fi
npm run --silent testbed:up
exec node_modules/.bin/node scripts/demo.ts
