#!/usr/bin/env bash
# Builds the stand-in base images the end-to-end tests need, locally: no registry is reachable here.
#
# One Debian bookworm rootfs (debootstrap, from Debian's own mirror) holds python, node + npm, nginx,
# redis, MariaDB and a static busybox. It is imported once and tagged under every image name the
# generated files use; thin layers add what the official images' contracts need (an entrypoint that
# honours MYSQL_* variables, a working directory for redis). The versions inside are Debian's, not the
# tags' (python 3.11 answers to python:3.12-slim-bookworm): the tests check that the stack works,
# not the runtimes' versions.
#
# Idempotent: images are rebuilt only when this script changes (its hash is a label on the base).
set -euo pipefail
cd "$(dirname "$0")"

docker=/usr/bin/docker   # Debian's CLI: builds with BuildKit without the buildx plugin
[ -x "$docker" ] || docker=docker
stamp=$(sha256sum images.sh | cut -c1-16)
base=stackc-e2e/base:$stamp

if ! "$docker" image inspect "$base" >/dev/null 2>&1; then
  command -v debootstrap >/dev/null || { apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null; }
  rootfs=$(mktemp -d)
  trap 'rm -rf "$rootfs"' EXIT
  log=$(mktemp)
  echo "e2e images: debootstrap (about three minutes), log in $log"
  fail() { tail -n 30 "$log" >&2; echo "e2e images: $1 failed; full log: $log" >&2; exit 1; }
  debootstrap --variant=minbase \
    --include=python3,python3-venv,python-is-python3,nodejs,nginx-light,redis-server,mariadb-server,mariadb-client,busybox-static,ca-certificates \
    bookworm "$rootfs" http://deb.debian.org/debian >"$log" 2>&1 || fail debootstrap
  # debootstrap's resolver cannot untangle npm's dependencies; apt inside the new system can.
  # No service may start inside the chroot.
  printf '#!/bin/sh\nexit 101\n' > "$rootfs/usr/sbin/policy-rc.d"
  chmod +x "$rootfs/usr/sbin/policy-rc.d"
  chroot "$rootfs" sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm' >>"$log" 2>&1 \
    || fail "installing npm"
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs/usr/sbin/policy-rc.d"
  tar -C "$rootfs" -c . | "$docker" import -c "LABEL stackc.e2e=$stamp" -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' - "$base" >/dev/null
fi

layer() { # layer TAG DOCKERFILE-BODY [FILE...]
  local tag=$1 body=$2; shift 2
  local dir; dir=$(mktemp -d)
  printf 'FROM %s\n%s\n' "$base" "$body" > "$dir/Dockerfile"
  for f in "$@"; do cp "$f" "$dir/"; done
  DOCKER_BUILDKIT=1 "$docker" build -q -t "$tag" "$dir" >/dev/null
  rm -rf "$dir"
}

for tag in busybox:1.36.1-musl python:3.12-slim-bookworm python:3.11-slim-bookworm \
           node:20-bookworm-slim node:22-bookworm-slim; do
  "$docker" tag "$base" "$tag"
done
layer nginx:1.27-alpine 'CMD ["nginx", "-g", "daemon off;"]'
layer redis:7 'WORKDIR /data
CMD ["redis-server"]'
layer mysql:8.0 'COPY mysql-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENTRYPOINT ["/bin/sh", "/usr/local/bin/docker-entrypoint.sh"]' mysql-entrypoint.sh
echo "e2e images ready (base $base)"
