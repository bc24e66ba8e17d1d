#!/bin/bash
# quiet_build.sh BUILD_DIR [JOBS]: configures (if needed) and builds with one line of output;
# the compiler's and make's lines go to BUILD_DIR/build.log, shown (its tail) only on failure.
# Used by `make demo`, whose user wants the study, not pages of make's directory lines.
# QUIET_BUILD_SRC: the source tree (default: the current folder).
set -uo pipefail
dir=${1:?usage: quiet_build.sh BUILD_DIR [JOBS]}
jobs=${2:-$(nproc)}
shift 2 2>/dev/null || shift $#
mkdir -p "$dir"
log="$dir/build.log"
printf 'building mqttids in %s (log: %s) ... ' "$dir" "$log"
t0=$(date +%s)
if { cmake -S "${QUIET_BUILD_SRC:-.}" -B "$dir" -DCMAKE_BUILD_TYPE=Release -DMQTTIDS_WERROR=ON "$@" &&
     MAKEFLAGS= cmake --build "$dir" -j"$jobs"; } >"$log" 2>&1; then
  echo "done ($(($(date +%s) - t0)) s)"
else
  echo "FAILED"
  tail -40 "$log" >&2
  exit 1
fi
