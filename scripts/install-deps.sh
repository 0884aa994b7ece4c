#!/usr/bin/env bash
# Installs every build and test dependency from Debian 12's packages.
# Safe to run again: apt-get skips what is already there.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
packages=(
  build-essential cmake ninja-build ccache pkg-config git
  qt6-base-dev libqt6sql6-sqlite libqt6sql6-psql qt6-websockets-dev qt6-httpserver-dev
  qt6-charts-dev libqt6opengl6-dev qt6-svg-dev
  libboost-dev libeigen3-dev libyaml-cpp-dev nlohmann-json3-dev
  libcurl4-openssl-dev libssl-dev libsodium-dev libsqlite3-dev libmsgpack-dev
  clang libclang-rt-14-dev
  docker.io busybox-static iproute2 iptables
  etcd-server etcd-client haproxy dnsmasq-base
  postgresql util-linux
  xvfb xauth python3 openssl curl
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
