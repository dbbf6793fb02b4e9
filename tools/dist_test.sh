#!/usr/bin/env bash
# Usage: tools/dist_test.sh CONFIG CHECKPOINT NPROC [test.py args...]  (CPU: gloo backend)
CONFIG=$1
CHECKPOINT=$2
NPROC=$3
PORT=${PORT:-29500}
cd "$(dirname "$0")/.." && exec "${PYTHON:-python}" -m torch.distributed.run \
    --nnodes=1 --node_rank=0 --master_addr=127.0.0.1 --master_port="$PORT" \
    --nproc_per_node="$NPROC" tools/test.py "$CONFIG" "$CHECKPOINT" --launcher pytorch "${@:4}"
