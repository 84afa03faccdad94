#!/usr/bin/env bash
# A post-install/post-upgrade hook: reads the release back with the same helm the action used.
set -euo pipefail
"$HELM" status "$GITOPS_RELEASE" --namespace "$GITOPS_NAMESPACE" --kubeconfig "$KUBECONFIG" | sed -n 1,5p # sed reads to the end: no SIGPIPE under pipefail
