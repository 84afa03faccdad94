#!/usr/bin/env bash
# Builds every binary of the test bed from Go modules into .cache/ (keyed by version),
# skipping what is already built. Parts are built one after another (2-core machines);
# each shows its progress and a failure names the part, the command and its log.
#
#   bash test/bed/build.sh            build what is missing
#   bash test/bed/build.sh helm etcd  build only these parts (helm etcd kube kwok sops)
#   TESTBED_REBUILD=1 bash ...        rebuild (the named parts or everything)
#
# Versions can be overridden with the variables below (each is its own cache key).
set -euo pipefail

HELM4_VERSION=${HELM4_VERSION:-v4.3.1}
HELM3_VERSION=${HELM3_VERSION:-v3.22.0}
ETCD_VERSION=${ETCD_VERSION:-v3.6.16}
KUBE_VERSION=${KUBE_VERSION:-v1.37.2}
KWOK_VERSION=${KWOK_VERSION:-v0.8.0}
SOPS_VERSION=${SOPS_VERSION:-v3.13.3}
AGE_VERSION=${AGE_VERSION:-v1.3.1}

bed=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$bed/../.." && pwd)
cache=${TESTBED_CACHE:-$root/.cache}
logs=$cache/logs
mkdir -p "$logs"
export GOFLAGS="${GOFLAGS:--buildvcs=false}"
# Loopback-only machines: never let a build reach for a newer toolchain.
export GOTOOLCHAIN=${GOTOOLCHAIN:-local}

command -v go >/dev/null || { echo "build: go is not on PATH (needs Go >= 1.26)" >&2; exit 1; }

started=$(date +%s)
say() { printf '[build %4ss] %s\n' "$(($(date +%s) - started))" "$*"; }

# run_part <part> <log> <command...>: runs a command with its output in <log>, printing
# a progress line every 30 s (packages compiled so far); on failure names part + command.
run_part() {
  local part=$1 log=$2
  shift 2
  local t0 ticker rc=0
  t0=$(date +%s)
  say "$part: building (log: ${log#"$root"/})"
  : >"$log"
  (
    while sleep 30; do
      say "$part: still building, $(grep -c . "$log" 2>/dev/null || echo 0) packages so far"
    done
  ) &
  ticker=$!
  "$@" >>"$log" 2>&1 || rc=$?
  kill "$ticker" 2>/dev/null || true
  wait "$ticker" 2>/dev/null || true
  if ((rc != 0)); then
    {
      echo "build: part '$part' FAILED (exit $rc)"
      echo "  command: $*"
      echo "  log: $log (last lines below)"
      tail -n 20 "$log" | sed 's/^/  | /'
    } >&2
    exit "$rc"
  fi
  say "$part: built in $(($(date +%s) - t0)) s"
}

done_already() { # <stamp> <part>
  if [[ -f $1 && -z ${TESTBED_REBUILD:-} ]]; then
    say "$2: cached"
    return 0
  fi
  return 1
}

gomod_of() { # <module@version>: path of its go.mod in the module cache (downloads it)
  go mod download -json "$1" | sed -n 's/^\t"GoMod": "\(.*\)",$/\1/p'
}

# --- helm ------------------------------------------------------------------------------
# Official release layout: helm-<v>-linux-amd64.tar.gz holding linux-amd64/helm, and
# <tarball>.sha256sum holding "<hex>  <tarball name>". A second mirror ("bad") serves the
# same tarballs with wrong checksums, for the action's checksum refusal test.
build_helm() { # <major> <version>
  local major=$1 version=$2
  local dir=$cache/helm/$version stamp
  stamp=$dir/.built
  done_already "$stamp" "helm $version" && return 0
  rm -rf "$dir" && mkdir -p "$dir/linux-amd64"
  local mod=helm.sh/helm/v$major
  local ld="-s -w -X $mod/internal/version.version=$version -X $mod/internal/version.gitTreeState=clean"
  if [[ $major == 3 ]]; then
    # Helm 3's Makefile derives the default Kubernetes version from its client-go.
    local gomod cg
    gomod=$(gomod_of "$mod@$version")
    cg=$(awk '$1 == "k8s.io/client-go" { print $2; exit }' "$gomod")
    local minor=${cg#v0.}
    minor=${minor%%.*}
    ld+=" -X $mod/pkg/lint/rules.k8sVersionMajor=1 -X $mod/pkg/lint/rules.k8sVersionMinor=$minor"
    ld+=" -X $mod/pkg/chartutil.k8sVersionMajor=1 -X $mod/pkg/chartutil.k8sVersionMinor=$minor"
  fi
  run_part "helm $version" "$logs/helm-$version.log" \
    env GOBIN="$dir/linux-amd64" go install -v -ldflags "$ld" "$mod/cmd/helm@$version"
  "$dir/linux-amd64/helm" version --short | grep -q "^$version" ||
    { echo "build: part 'helm $version': built binary reports '$("$dir/linux-amd64/helm" version --short)'" >&2; exit 1; }
  local mirror=$cache/helm-mirror bad=$cache/helm-mirror-bad
  local tarball=helm-$version-linux-amd64.tar.gz
  mkdir -p "$mirror" "$bad"
  tar -C "$dir" -czf "$mirror/$tarball" linux-amd64
  (cd "$mirror" && sha256sum "$tarball" >"$tarball.sha256sum")
  ln -f "$mirror/$tarball" "$bad/$tarball"
  # a well-formed checksum of other bytes
  printf '%s  %s\n' "$(printf 'not %s' "$tarball" | sha256sum | cut -d' ' -f1)" "$tarball" >"$bad/$tarball.sha256sum"
  touch "$stamp"
}

# --- etcd ------------------------------------------------------------------------------
build_etcd() {
  local dir=$cache/etcd/$ETCD_VERSION
  done_already "$dir/.built" "etcd $ETCD_VERSION" && return 0
  rm -rf "$dir" && mkdir -p "$dir"
  if ! grep -q "go.etcd.io/etcd/server/v3 $ETCD_VERSION" "$bed/go/etcd/go.mod"; then
    say "etcd wrapper: moving to $ETCD_VERSION"
    (cd "$bed/go/etcd" && go mod edit -require="go.etcd.io/etcd/server/v3@$ETCD_VERSION" && go mod tidy)
  fi
  run_part "etcd $ETCD_VERSION" "$logs/etcd-$ETCD_VERSION.log" \
    bash -c "cd '$bed/go/etcd' && go build -v -ldflags '-s -w' -o '$dir/etcd' go.etcd.io/etcd/server/v3"
  touch "$dir/.built"
}

# --- Kubernetes (kube-apiserver, kube-controller-manager, kube-scheduler) -------------
wrapper=$bed/go/kube
# The kube wrapper module (Kubernetes + kwok) at the versions asked for.
ensure_kube_wrapper() {
  if ! grep -q "^	k8s.io/kubernetes $KUBE_VERSION " "$wrapper/go.mod" ||
    ! grep -q "^	sigs.k8s.io/kwok $KWOK_VERSION " "$wrapper/go.mod"; then
    say "kube wrapper: regenerating go.mod for Kubernetes $KUBE_VERSION, kwok $KWOK_VERSION"
    "$wrapper/gen-gomod.sh" "$KUBE_VERSION" "$KWOK_VERSION"
    (cd "$wrapper" && go mod tidy)
  fi
}

build_kube() {
  local dir=$cache/kube/$KUBE_VERSION
  ensure_kube_wrapper
  local minor=${KUBE_VERSION#v1.}
  minor=${minor%%.*}
  local ld="-s -w" pkg
  for pkg in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
    ld+=" -X $pkg.gitVersion=$KUBE_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    ld+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  done
  mkdir -p "$dir"
  local cmd
  for cmd in kube-apiserver kube-controller-manager kube-scheduler; do
    done_already "$dir/.$cmd.built" "$cmd $KUBE_VERSION" && continue
    run_part "$cmd $KUBE_VERSION" "$logs/$cmd-$KUBE_VERSION.log" \
      bash -c "cd '$wrapper' && go build -v -ldflags '$ld' -o '$dir/$cmd' k8s.io/kubernetes/cmd/$cmd"
    touch "$dir/.$cmd.built"
  done
}

# --- kwok: fakes a node and the readiness of the pods scheduled to it -----------------
build_kwok() {
  local dir=$cache/kwok/$KWOK_VERSION
  done_already "$dir/.built" "kwok $KWOK_VERSION" && return 0
  rm -rf "$dir" && mkdir -p "$dir"
  ensure_kube_wrapper
  # from the kube wrapper: linked against the k8s.io/* packages the Kubernetes build compiled
  run_part "kwok $KWOK_VERSION" "$logs/kwok-$KWOK_VERSION.log" \
    bash -c "cd '$wrapper' && go build -v -ldflags '-s -w' -o '$dir/kwok' sigs.k8s.io/kwok/cmd/kwok"
  # kwok does nothing without Stage objects: take the "fast" node and pod stages (and the
  # node lease heartbeat) that ship in the same module version.
  local src
  src=$(go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  local f
  for f in "$src"/kustomize/stage/node/fast/*.yaml "$src"/kustomize/stage/node/heartbeat-with-lease/*.yaml \
    "$src"/kustomize/stage/pod/fast/*.yaml; do
    [[ $(basename "$f") == kustomization.yaml ]] && continue
    echo "---"
    cat "$f"
  done >"$dir/stages.yaml"
  grep -q 'kind: Stage' "$dir/stages.yaml" ||
    { echo "build: part 'kwok $KWOK_VERSION': no Stage found under $src/kustomize/stage" >&2; exit 1; }
  touch "$dir/.built"
}

# --- sops and age: SOPS-encrypted values -----------------------------------------------
# sops is served through the helm mirror under its release name (sops-<v>.linux.amd64)
# with a "<name>.sha256sum"; the "bad" mirror serves it with a wrong checksum.
build_sops() {
  local dir=$cache/sops/$SOPS_VERSION
  if ! done_already "$dir/.built" "sops $SOPS_VERSION"; then
    rm -rf "$dir" && mkdir -p "$dir"
    run_part "sops $SOPS_VERSION" "$logs/sops-$SOPS_VERSION.log" \
      env GOBIN="$dir" go install -v -ldflags '-s -w' "github.com/getsops/sops/v3/cmd/sops@$SOPS_VERSION"
    "$dir/sops" --version --disable-version-check | grep -q "${SOPS_VERSION#v}" ||
      { echo "build: part 'sops $SOPS_VERSION': built binary reports '$("$dir/sops" --version --disable-version-check)'" >&2; exit 1; }
    local mirror=$cache/helm-mirror bad=$cache/helm-mirror-bad name=sops-$SOPS_VERSION.linux.amd64
    mkdir -p "$mirror" "$bad"
    cp "$dir/sops" "$mirror/$name"
    (cd "$mirror" && sha256sum "$name" >"$name.sha256sum")
    ln -f "$mirror/$name" "$bad/$name"
    printf '%s  %s\n' "$(printf 'not %s' "$name" | sha256sum | cut -d' ' -f1)" "$name" >"$bad/$name.sha256sum"
    touch "$dir/.built"
  fi
  local agedir=$cache/age/$AGE_VERSION
  done_already "$agedir/.built" "age $AGE_VERSION" && return 0
  rm -rf "$agedir" && mkdir -p "$agedir"
  run_part "age $AGE_VERSION" "$logs/age-$AGE_VERSION.log" \
    env GOBIN="$agedir" go install -v -ldflags '-s -w' "filippo.io/age/cmd/...@$AGE_VERSION"
  touch "$agedir/.built"
}

parts=("$@")
((${#parts[@]} > 0)) || parts=(helm etcd kube kwok sops)
say "go $(go env GOVERSION), cache $cache, parts: ${parts[*]}"
for part in "${parts[@]}"; do
  case $part in
    helm) build_helm 4 "$HELM4_VERSION" && build_helm 3 "$HELM3_VERSION" ;;
    etcd) build_etcd ;;
    kube) build_kube ;;
    kwok) build_kwok ;;
    sops) build_sops ;;
    *) echo "build: unknown part '$part' (known: helm etcd kube kwok sops)" >&2; exit 2 ;;
  esac
done
cat >"$cache/versions.env" <<EOF
HELM4_VERSION=$HELM4_VERSION
HELM3_VERSION=$HELM3_VERSION
ETCD_VERSION=$ETCD_VERSION
KUBE_VERSION=$KUBE_VERSION
KWOK_VERSION=$KWOK_VERSION
SOPS_VERSION=$SOPS_VERSION
AGE_VERSION=$AGE_VERSION
EOF
say "all parts built ($(($(date +%s) - started)) s)"
