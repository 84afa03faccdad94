#!/usr/bin/env bash
# Lays out the four real charts of the opt-in suite (__tests__/bed/real-charts.test.ts)
# from local clones of their public repositories, at pinned commits, with their
# dependencies vendored in charts/ (no network when they deploy):
#
#   git clone --bare https://github.com/stefanprodan/podinfo            podinfo.git
#   git clone --bare https://github.com/kubernetes/ingress-nginx        ingress-nginx.git
#   git clone --bare https://github.com/argoproj/argo-helm              argo-helm.git
#   git clone --bare https://github.com/DandyDeveloper/charts           dandydeveloper-charts.git
#   git clone --bare https://github.com/prometheus-community/helm-charts prometheus-community.git
#   git clone --bare https://github.com/grafana-community/helm-charts   grafana-community.git
#   PODINFO_GIT=podinfo.git INGRESS_NGINX_GIT=ingress-nginx.git ARGO_HELM_GIT=argo-helm.git \
#   REDIS_HA_GIT=dandydeveloper-charts.git PROMETHEUS_GIT=prometheus-community.git \
#   GRAFANA_GIT=grafana-community.git bash scripts/real-charts.sh /tmp/real-charts
#   GITOPS_REAL_CHARTS=/tmp/real-charts npx vitest run --project bed __tests__/bed/real-charts.test.ts
#
# The folder must be outside the repository: the charts are not ours to commit.
# kube-prometheus-stack's grafana dependency comes from grafana-community (its
# Chart.yaml names that repository; grafana/helm-charts moved the chart there).
set -euo pipefail

# The pinned commits; the suite's header names the same ones.
PODINFO_COMMIT=eec06d1ea459af4cb4e10e806f8be7c7bd58b361
INGRESS_NGINX_COMMIT=dbb11b92ddb77bee9c35e462479129354c84f939
ARGO_HELM_COMMIT=af0a9310bacbaa4636018dfe22c801a6d33a5c43
# redis-ha 4.38.0, the version argo-cd's Chart.lock names.
REDIS_HA_COMMIT=2e2539a8960ead2c268f48bdde3b2cdf2b2f1ac8
PROMETHEUS_COMMIT=cf408a290aec489277a94450bb3511432477a53a
GRAFANA_COMMIT=3386a1156177c6bcd7fdb1ad4c6b1dda094296e0

out=${1:?usage: scripts/real-charts.sh <folder outside the repository> (see the header for the clones it needs)}
repo_root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
case "$out/" in
  "$repo_root"/*)
    echo "real-charts.sh: $out is inside the repository; lay the charts out elsewhere" >&2
    exit 2
    ;;
esac

# copy <git dir variable> <commit> <path in the repository> <destination folder>
copy() {
  local var=$1 commit=$2 path=$3 dest=$4
  local git_dir=${!var:-}
  if [ -z "$git_dir" ]; then
    echo "real-charts.sh: set $var to a clone of the repository that holds $path (see the header)" >&2
    exit 2
  fi
  if ! git --git-dir="$git_dir" cat-file -e "$commit^{commit}" 2>/dev/null; then
    echo "real-charts.sh: $git_dir ($var) lacks commit $commit; fetch it first" >&2
    exit 2
  fi
  local depth
  depth=$(awk -F/ '{print NF - 1}' <<<"$path")
  rm -rf "${dest:?}/$(basename "$path")"
  mkdir -p "$dest"
  git --git-dir="$git_dir" archive "$commit" "$path" | tar -x -C "$dest" --strip-components="$depth"
  echo "$dest/$(basename "$path") from $path at ${commit:0:12}"
}

copy PODINFO_GIT "$PODINFO_COMMIT" charts/podinfo "$out"
copy INGRESS_NGINX_GIT "$INGRESS_NGINX_COMMIT" charts/ingress-nginx "$out"
copy ARGO_HELM_GIT "$ARGO_HELM_COMMIT" charts/argo-cd "$out"
copy REDIS_HA_GIT "$REDIS_HA_COMMIT" charts/redis-ha "$out/argo-cd/charts"
copy PROMETHEUS_GIT "$PROMETHEUS_COMMIT" charts/kube-prometheus-stack "$out"
for dependency in kube-state-metrics prometheus-node-exporter prometheus-windows-exporter; do
  copy PROMETHEUS_GIT "$PROMETHEUS_COMMIT" "charts/$dependency" "$out/kube-prometheus-stack/charts"
done
copy GRAFANA_GIT "$GRAFANA_COMMIT" charts/grafana "$out/kube-prometheus-stack/charts"
