#!/bin/bash
# Proves the .deb is complete: a fresh minimal Debian 12 root (mmdebstrap), the package installed there with apt, smoke.sh run inside.
# Usage: package-check.sh specgate_X.Y.Z_amd64.deb WORKDIR   (as root; reaches only Debian's archive)
set -euo pipefail
deb=$(realpath "${1:?usage: package-check.sh DEB WORKDIR}")
work=${2:?usage: package-check.sh DEB WORKDIR}
here=$(cd "$(dirname "$0")" && pwd)
mirror=${MIRROR:-http://deb.debian.org/debian}
root=$work/package-root
rm -rf "$root"; mkdir -p "$work"
start=$(date +%s)
# --variant=apt: Essential packages plus apt, nothing of the build machine. The hooks run with /proc, /dev and the
# host's resolv.conf mounted; the package comes in as a file and apt resolves its Depends from the archive.
mmdebstrap --variant=apt --quiet bookworm "$root" "$mirror" \
  --customize-hook="copy-in '$deb' '$here/smoke.sh' '$here/../../tests/packaging/hello.yaml' /tmp" \
  --customize-hook='chroot "$1" apt-get install -y --no-install-recommends /tmp/'"$(basename "$deb")" \
  --customize-hook='chroot "$1" dpkg -L specgate' \
  --customize-hook='chroot "$1" /tmp/smoke.sh /tmp/hello.yaml'
echo "package-check: OK in $(( $(date +%s) - start )) s (root: $root)"
