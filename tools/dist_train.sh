#!/usr/bin/env bash
# Usage: tools/dist_train.sh CONFIG NPROC [train.py args...]  (CPU: gloo backend)
CONFIG=$1
NPROC=$2
PORT=${PORT:-29500}
cd "$(dirname "$0")/.." && exec "${PYTHON:-python}" -m torch.distributed.run \
    --nnodes=1 --node_rank=0 --master_addr=127.0.0.1 --master_port="$PORT" \
    --nproc_per_node="$NPROC" tools/train.py "$CONFIG" --launcher pytorch "${@:3}"
