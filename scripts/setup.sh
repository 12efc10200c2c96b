#!/bin/sh
# Sets up a fresh Debian 12 machine (as root) for tsrun: the Debian
# packages the runtime and its tests use, the npm dependencies, the build,
# and the busybox bundle's rootfs. Safe to run again.
set -eu
cd "$(dirname "$0")/.."

# golang-github-containers-common: podman's default seccomp profile, which the tests use.
packages="busybox-static runc crun strace podman conmon containerd containernetworking-plugins docker.io buildah golang-github-containers-common python3 gcc libc6-dev"
missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "setup: installing Debian packages:$missing"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi

echo "setup: building"
npm run --silent build
sh bundles/busybox/build.sh
