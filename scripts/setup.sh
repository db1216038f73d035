#!/usr/bin/env bash
# Installs what eager needs to build and test on Debian 12. Safe to run again:
# when every package is already present it only checks and exits.
set -euo pipefail

packages=(
  cmake ninja-build g++ pkg-config ccache
  libxtensor-dev libxsimd-dev libfmt-dev libopenblas-dev zlib1g-dev
  libprotobuf-dev protobuf-compiler nlohmann-json3-dev
  libjpeg62-turbo-dev libturbojpeg0-dev
  catch2 dataset-fashion-mnist
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [[ "$status" == installed ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "setup: installing ${missing[*]}"
sudo=()
if ((EUID != 0)); then
  command -v sudo >/dev/null || { echo "setup: need root (or sudo) to install ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
