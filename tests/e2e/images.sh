#!/usr/bin/env bash
# Builds the stand-in base images the end-to-end tests need, locally: no registry is reachable here.
#
# One Debian bookworm rootfs (debootstrap, from Debian's own mirror) holds python, node + npm, nginx,
# redis, MariaDB, PostgreSQL, RabbitMQ and a static busybox. It is imported once and tagged under every
# image name the generated files use; thin layers add what the official images' contracts need (entrypoints
# that honour MYSQL_* / POSTGRES_* / RABBITMQ_* variables and their *_FILE forms, data directories, the
# Docker CLI for stackc-recover). The versions inside are Debian's, not the tags' (python 3.11 answers to
# python:3.12-slim-bookworm): the tests check that the stack works, not the runtimes' versions.
#
# PyPI is reachable from containers only through this machine's certificate authorities: the base trusts
# the machine's CA bundle and points pip at it (PIP_CERT), so image builds install real dependencies. That
# is test infrastructure; the generated Dockerfiles know nothing of it.
#
# Idempotent: the rootfs is made again only when the package list changes (its hash is the base's tag);
# the layers are rebuilt from cache.
set -euo pipefail
cd "$(dirname "$0")"

docker=/usr/bin/docker   # Debian's CLI: builds with BuildKit without the buildx plugin
[ -x "$docker" ] || docker=docker
packages=python3,python3-venv,python-is-python3,nodejs,nginx-light,redis-server,mariadb-server,mariadb-client,postgresql,rabbitmq-server,busybox-static,ca-certificates
stamp=$(printf '%s' "$packages" | sha256sum | cut -c1-16)
base=stackc-e2e/base:$stamp

if ! "$docker" image inspect "$base" >/dev/null 2>&1; then
  command -v debootstrap >/dev/null || { apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null; }
  rootfs=$(mktemp -d)
  trap 'rm -rf "$rootfs"' EXIT
  log=$(mktemp)
  echo "e2e images: debootstrap (about five minutes), log in $log"
  fail() { tail -n 30 "$log" >&2; echo "e2e images: $1 failed; full log: $log" >&2; exit 1; }
  debootstrap --variant=minbase --include="$packages" \
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

# The machine's certificate authorities, for pip inside image builds (see above).
trusted=stackc-e2e/trusted:$stamp
layer "$trusted" 'COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt' /etc/ssl/certs/ca-certificates.crt
base=$trusted

for tag in busybox:1.36.1-musl python:3.12-slim-bookworm python:3.11-slim-bookworm \
           node:20-bookworm-slim node:22-bookworm-slim; do
  "$docker" tag "$base" "$tag"
done
layer nginx:1.27-alpine 'CMD ["nginx", "-g", "daemon off;"]'
layer redis:7 'WORKDIR /data
CMD ["redis-server"]'
layer mysql:8.0 'COPY mysql-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENTRYPOINT ["/bin/sh", "/usr/local/bin/docker-entrypoint.sh"]' mysql-entrypoint.sh
layer postgres:16 'ENV PGDATA=/var/lib/postgresql/data PATH=/usr/lib/postgresql/15/bin:$PATH
COPY postgres-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENTRYPOINT ["/bin/sh", "/usr/local/bin/docker-entrypoint.sh"]
CMD ["postgres"]' postgres-entrypoint.sh
layer rabbitmq:3.13-management 'COPY rabbitmq-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
RUN chmod 755 /usr/local/bin/docker-entrypoint.sh
CMD ["docker-entrypoint.sh", "rabbitmq-server"]' rabbitmq-entrypoint.sh
# stackc-recover runs the Docker CLI; this machine's is Debian's, linked against the same libc.
layer docker:27.5-cli 'COPY docker /usr/local/bin/docker' "$(command -v "$docker")"
echo "e2e images ready (base $base)"
