#!/usr/bin/env bash
# Installs the Debian packages the test bed runs, and shellcheck for actionlint's checks of
# workflow scripts (idempotent: skips what is installed).
# Their services are NOT started by the install (a policy-rc.d denies it for the duration):
# the bed starts its own nginx and registry on 127.0.0.1 with its own configuration.
set -euo pipefail
packages=(nginx docker-registry apache2-utils openssl ca-certificates curl shellcheck)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all present (${packages[*]})"
  exit 0
fi
SUDO=""
[[ $(id -u) == 0 ]] || SUDO=sudo
echo "install-deps: installing ${missing[*]}"
policy=/usr/sbin/policy-rc.d
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod +x "$policy"
  trap '$SUDO rm -f "$policy"' EXIT
fi
export DEBIAN_FRONTEND=noninteractive
# A list older than a day (or none) is refreshed once.
if [[ -z $(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null | head -1) ]]; then
  $SUDO apt-get update -q
fi
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
