#!/usr/bin/env bash
# A pre-install hook: the action passes the plan's coordinates and the cluster's kubeconfig.
set -euo pipefail
echo "about to ${GITOPS_OPERATION} ${GITOPS_RELEASE} (${GITOPS_CHART}) in ${GITOPS_SETUP}/${GITOPS_NAMESPACE} at ${GITOPS_SHA:0:7}"
