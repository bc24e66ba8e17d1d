#!/usr/bin/env bash
# Installs every Debian package that building, testing and benchmarking mqttids need.
# Idempotent: packages already present are skipped, apt is only called when something is missing.
#   scripts/deps.sh           build + test dependencies
#   scripts/deps.sh --bench   also the peers the benchmarks compare against (pandas, sklearn, torch...)
set -euo pipefail

build_pkgs=(
  build-essential cmake pkg-config clang libclang-rt-14-dev
  zlib1g-dev libpq-dev librdkafka-dev libpcap-dev libxml2-dev libcurl4-openssl-dev
  libjson-c-dev liblbfgs-dev libmosquitto-dev
)
test_pkgs=(
  postgresql postgresql-client tshark mosquitto mosquitto-clients python3 tcpdump chromium
)
bench_pkgs=(
  python3-pandas python3-sklearn python3-torch python3-xgboost python3-numpy hyperfine python3-confluent-kafka
)

want=("${build_pkgs[@]}" "${test_pkgs[@]}")
if [[ "${1:-}" == "--bench" ]]; then want+=("${bench_pkgs[@]}"); fi

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "deps: all ${#want[@]} packages present"
  exit 0
fi

echo "deps: installing ${missing[*]}"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no without a prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
