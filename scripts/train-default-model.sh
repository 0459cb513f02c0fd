#!/bin/sh
# Trains the shipped baseline model, models/default/, from the project's own
# benign lab captures (fixtures/lab/benign-*.pcap, made by the lab script in
# network namespaces). Repeatable: fixed seed, wasm backend (the one every
# machine has; a model trained on one backend loads on the others).
# Usage: scripts/train-default-model.sh   (after npm run build)
set -eu
cd "$(dirname "$0")/.."
set -- fixtures/lab/benign-*.pcap
if [ ! -e "$1" ]; then
  echo "train-default-model: no fixtures/lab/benign-*.pcap" >&2
  exit 1
fi
exec node dist/cli/main.js train "$@" --out models/default --kind dense --seed 1 --epochs 30 --backend wasm
