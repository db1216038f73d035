#!/usr/bin/env bash
# Runs mnist_train and mnist_eval at the same time on a fresh directory, as
# the seed's two programs are meant to run: the evaluator prints the
# validation accuracy of each checkpoint and stops after the last one.
#   run_mnist_train_eval.sh MNIST_TRAIN MNIST_EVAL DATA_DIR
set -euo pipefail
train=$1 eval=$2 data=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$train" --steps 600 --save-every 200 --max-to-keep 2 --data "$data" \
  --model-dir "$work/model" --logdir "$work/logs" &
train_pid=$!
"$eval" --model-dir "$work/model" --data "$data" --interval 0.2 --timeout 120 --min-accuracy 0.7
wait "$train_pid"
ls "$work/model" "$work/logs"
# A second run resumes from the last checkpoint and has nothing left to do.
"$train" --steps 600 --data "$data" --model-dir "$work/model" --logdir "$work/logs" | grep -q "Resumed from .* at step 600"
