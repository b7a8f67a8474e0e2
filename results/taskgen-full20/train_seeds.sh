#!/usr/bin/env bash
# Training seeds 1 and 2 of Adapt2Reward and DVD in both task-generalization settings (seed 0: results/bench/COMMANDS.md).
set -euo pipefail
export OMP_NUM_THREADS=1
H6=drawer-close,faucet-open,button-press,drawer-open,faucet-close,window-open
H9=$H6,window-close,door-open,button-press-topdown
(for s in 1 2; do for n in 6 9; do
  a2r train --config configs/train-taskgen-$n.json --seed $s --out checkpoints/adapt2reward-human$n-seed$s
done; done) &
(for s in 1 2; do
  a2r baseline dvd --config configs/baselines/dvd.json --human-tasks $H6 --seed $s --out checkpoints/dvd-human6-seed$s
  a2r baseline dvd --config configs/baselines/dvd.json --human-tasks $H9 --seed $s --out checkpoints/dvd-human9-seed$s
done) &
wait
