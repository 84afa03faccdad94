#!/usr/bin/env bash
# Builds helmfile (the benchmark's second contender) with `go install` from the Go module
# proxy into .cache/helmfile/<version>/helmfile, skipping it when already built. Prints the path.
#
#   bash bench/build-helmfile.sh            build if missing
#   HELMFILE_VERSION=v1.4.4 bash ...        another version (its own cache key)
#   HELMFILE_RESOLVE_ONLY=1 bash ...        only download its modules (no compiling)
#
# The module proxy this project can reach refuses a few files of helmfile's dependencies
# (403 on the go.mod or .info of some versions, e.g. helmfile/vals v0.43.8) while it serves
# their zips. So the build runs behind a small file:// proxy, tried first, that serves those
# files taken from the zip itself: the exact versions helmfile pins, checked against the
# checksum database as usual. Anything else falls through to the real proxy.
#
# helmfile runs helm as a child: the benchmark passes --helm-binary, so no helm on PATH is needed.
set -euo pipefail

HELMFILE_VERSION=${HELMFILE_VERSION:-v1.4.4}
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${TESTBED_CACHE:-$root/.cache}
dir=$cache/helmfile/$HELMFILE_VERSION
fill=$cache/helmfile/proxy-fill
log=$cache/logs/helmfile-$HELMFILE_VERSION.log

if [[ -x $dir/helmfile && -f $dir/.built ]]; then
  echo "$dir/helmfile"
  exit 0
fi
command -v go >/dev/null || { echo "build-helmfile: go is not on PATH (needs Go >= 1.25)" >&2; exit 1; }

mkdir -p "$dir" "$fill" "$(dirname "$log")"
export GOFLAGS="${GOFLAGS:--buildvcs=false}"
export GOTOOLCHAIN=${GOTOOLCHAIN:-local}
upstream=$(go env GOPROXY)
export GOPROXY="file://$fill,$upstream"
proxy=${upstream%%,*}
[[ $proxy == direct || $proxy == off || -z $proxy ]] && proxy=https://proxy.golang.org

# extract_gomod <zip> <module>@<version>: prints the module's go.mod from its zip ("" if it has none).
extract_gomod() {
  if command -v unzip >/dev/null; then
    unzip -p "$1" "$2/go.mod" 2>/dev/null || true
  else
    python3 -c 'import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
name = sys.argv[2] + "/go.mod"
sys.stdout.write(z.read(name).decode() if name in z.namelist() else "")' "$1" "$2"
  fi
}

# fill_from_zip <url of the refused .mod or .info>: serves it from the local proxy.
fill_from_zip() {
  local url=$1 base escaped version module zip gomod
  base=${url%.*}                      # .../<escaped module>/@v/<version>
  version=${base##*/}
  escaped=${base#"$proxy"/}
  escaped=${escaped%/@v/*}
  module=$(sed -E 's/!([a-z])/\U\1/g' <<<"$escaped")
  zip=$(mktemp)
  if ! curl -fsS -o "$zip" "$base.zip"; then
    rm -f "$zip"
    echo "build-helmfile: the proxy refuses $module@$version's go.mod and its zip too: no way to build it here" >&2
    return 1
  fi
  gomod=$(extract_gomod "$zip" "$module@$version")
  rm -f "$zip"
  mkdir -p "$fill/$escaped/@v"
  printf '%s\n' "${gomod:-module $module}" >"$fill/$escaped/@v/$version.mod"
  printf '{"Version":"%s"}\n' "$version" >"$fill/$escaped/@v/$version.info"
  echo "build-helmfile: $module@$version: go.mod taken from its zip (the proxy refuses it)" >&2
}

pkg=github.com/helmfile/helmfile@$HELMFILE_VERSION
ldflags="-s -w -X go.szostok.io/version.version=$HELMFILE_VERSION"
t0=$(date +%s)
# First resolve and download only (`-n` compiles nothing), filling what the proxy refuses.
echo "build-helmfile: resolving helmfile $HELMFILE_VERSION's modules (log: ${log#"$root"/})" >&2
for attempt in $(seq 1 50); do
  env GOBIN="$dir" go install -n -ldflags "$ldflags" "$pkg" >"$log" 2>&1 && break
  refused=$(grep -oE "reading $proxy/[^ ]+\.(mod|info): 403" "$log" | head -1 | sed -E 's/^reading ([^ ]+): 403$/\1/' || true)
  if [[ -z $refused || $attempt == 50 ]]; then
    {
      echo "build-helmfile: FAILED resolving: go install $pkg"
      echo "  log: $log (last lines below)"
      tail -n 20 "$log" | sed 's/^/  | /'
    } >&2
    exit 1
  fi
  fill_from_zip "$refused"
done
if [[ -n ${HELMFILE_RESOLVE_ONLY:-} ]]; then
  echo "build-helmfile: modules resolved and downloaded (HELMFILE_RESOLVE_ONLY: not built)" >&2
  exit 0
fi
echo "build-helmfile: building helmfile $HELMFILE_VERSION" >&2
if ! env GOBIN="$dir" go install -v -ldflags "$ldflags" "$pkg" >"$log" 2>&1; then
  {
    echo "build-helmfile: FAILED: go install $pkg"
    echo "  log: $log (last lines below)"
    tail -n 20 "$log" | sed 's/^/  | /'
  } >&2
  exit 1
fi
"$dir/helmfile" version -o short 2>/dev/null | grep -q "${HELMFILE_VERSION#v}" ||
  { echo "build-helmfile: built binary reports '$("$dir/helmfile" version -o short 2>&1)', expected $HELMFILE_VERSION" >&2; exit 1; }
touch "$dir/.built"
echo "build-helmfile: built in $(($(date +%s) - t0)) s" >&2
echo "$dir/helmfile"
