#!/bin/bash
# Proves the Dockerfile's image works without a registry or `podman run`: a Debian 12 base from mmdebstrap, podman build
# on it, the image's file system exported and specgate run in a chroot of it as the image's user (smoke.sh, the CMD).
# Usage: image-check.sh WORKDIR   (as root, from the repository's top directory)
set -euo pipefail
work=$(realpath -m "${1:?usage: image-check.sh WORKDIR}")
here=$(cd "$(dirname "$0")" && pwd)
mirror=${MIRROR:-http://deb.debian.org/debian}
base=localhost/specgate-check-base:bookworm
image=localhost/specgate:check
root=$work/image-root
mkdir -p "$work"
t0=$(date +%s)
step() { echo "== $* ($(( $(date +%s) - t0 )) s)"; }

# IMAGE_CHECK_REUSE_BASE=1 keeps a base imported by an earlier run (and so podman's cached apt layer of the build stage).
if [ "${IMAGE_CHECK_REUSE_BASE:-0}" = 1 ] && podman image exists "$base"; then
  step "reusing the base image $base of an earlier run"
else
  step "mmdebstrap: a minimal Debian 12 root (minbase: Essential + Priority required, like debian:12-slim)"
  mmdebstrap --variant=minbase --quiet bookworm "$work/base.tar" "$mirror"
  podman import --quiet "$work/base.tar" "$base"
fi

step "podman build --isolation chroot --build-arg BASE=$base"
# The host's ccache, mounted into the build stage: objects compiled here (same Debian 12 compiler) are reused.
ccache_dir=$(ccache -k cache_dir 2>/dev/null || echo "$HOME/.cache/ccache")
mkdir -p "$ccache_dir"
# --format docker: the OCI image format has no HEALTHCHECK; docker's keeps it.
podman build --isolation chroot --format docker --build-arg BASE="$base" \
  --build-arg COMMIT="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" \
  --volume "$ccache_dir:/ccache" -t "$image" .

step "the image's configuration"
podman image inspect "$image" --format \
  'User={{.Config.User}} ExposedPorts={{.Config.ExposedPorts}} Entrypoint={{.Config.Entrypoint}} Cmd={{.Config.Cmd}}'
podman image inspect "$image" --format '{{.Config.User}}' | grep -qx specgate || { echo "image-check: not the specgate user" >&2; exit 1; }
podman image inspect "$image" --format '{{json .Config.ExposedPorts}}' | grep -q '5601/tcp' || { echo "image-check: 5601 not exposed" >&2; exit 1; }
podman image inspect "$image" --format 'Healthcheck={{json .Config.Healthcheck}}'
podman image inspect "$image" --format '{{.Size}}' | awk '{ printf "image size: %.1f MB\n", $1 / 1e6 }'

step "export the image's file system"
podman rm -f specgate-check >/dev/null 2>&1 || true
podman create --name specgate-check "$image" >/dev/null
rm -rf "$root"; mkdir -p "$root"
podman export specgate-check | tar -x -C "$root"
podman rm specgate-check >/dev/null

step "specgate in a chroot of the image, as the image's user"
cp "$here/smoke.sh" "$here/../../tests/packaging/hello.yaml" "$root/tmp/"
mount --bind /proc "$root/proc"
trap 'umount "$root/proc"' EXIT
in_image() { chroot "$root" setpriv --reuid=specgate --regid=specgate --init-groups "$@"; }
in_image env HOME=/tmp PATH=/usr/local/bin:/usr/bin:/bin /tmp/smoke.sh /tmp/hello.yaml
in_image ldd /usr/bin/specgate | grep -q 'not found' && { echo "image-check: missing libraries" >&2; exit 1; }
step "the image's own ENTRYPOINT + CMD and HEALTHCHECK command, in the chroot as its user"
if (exec 3<>/dev/tcp/127.0.0.1/5601) 2>/dev/null; then
  echo "port 5601 is in use on this host (the chroot shares its network): the CMD/HEALTHCHECK run is skipped"
else
  mapfile -t cmd < <(podman image inspect "$image" \
    --format '{{range .Config.Entrypoint}}{{println .}}{{end}}{{range .Config.Cmd}}{{println .}}{{end}}' | sed '/^$/d')
  mapfile -t hc < <(podman image inspect "$image" --format '{{range .Config.Healthcheck.Test}}{{println .}}{{end}}' | sed '/^$/d')
  [ "${hc[0]:-}" = CMD ] || { echo "image-check: no exec-form HEALTHCHECK in the image" >&2; exit 1; }
  echo "CMD: ${cmd[*]}"
  in_image "${cmd[@]}" >"$work/cmd.log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do grep -q 'listening on http://0\.0\.0\.0:5601' "$work/cmd.log" && break; sleep 0.1; done
  cat "$work/cmd.log"
  healthy=0
  in_image "${hc[@]:1}" && healthy=1
  kill "$pid"; wait "$pid" || true
  [ "$healthy" = 1 ] || { echo "image-check: the HEALTHCHECK command failed against the image's CMD" >&2; exit 1; }
  echo "HEALTHCHECK command: healthy"
fi
echo "image-check: OK in $(( $(date +%s) - t0 )) s"
