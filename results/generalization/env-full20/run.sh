#!/usr/bin/env bash
# Lever 1 (robot clips from the planner's own search), all levers together (+ the any-view human stand-in +
# stage-1 frame fine-tuning), lever 1 + lever 7 ("change" temporal inputs) and lever 1 + lever 7 + human failures + embodiment pairs
# (levers 9 and 10), lever 1 + lever 7 + human failures (lever 9) and the same with both readings (lever 12), on the reported environment-generalization protocol (preset full-20:
# episode seeds 0-19, never used to choose anything), against the paper's method and DVD given the same data. Checkpoints: results/generalization/COMMANDS.md ("lever 1 on the
# reported protocol"). Usage: run.sh SEEDS, e.g. `run.sh 0` then `run.sh 0 1 2`: each call evaluates the
# training seeds it is given and keeps every finished episode of the methods it names again (resumable).
# OUT (default: this folder) sends a long run elsewhere, e.g. a copy of this folder under data/.
set -euo pipefail
export OMP_NUM_THREADS=1
seeds=("${@:-0}")
A="adapt2reward"; P="adapt2reward + planner-space robot data"
G="+ planner-space data + any-view + stage-1 fine-tuning"; H="+ planner-space data + change inputs"
K="+ planner-space data + change + human failures + embodiment pairs"
N="+ planner-space data + change + human failures"
M="+ planner-space data + change + human failures + both readings"
D="dvd"; Q="dvd + planner-space robot data"; E="dvd + planner-space data + any-view"
name() { if [ "$2" = 0 ]; then echo "$1"; else echo "$1 [seed $2]"; fi; }
args=()
for s in "${seeds[@]}"; do
  args+=(--model "$(name "$P" "$s")=checkpoints/research/planner-s$s")
  args+=(--model "$(name "$D" "$s")=checkpoints/research/dvd-main-s$s")
  args+=(--model "$(name "$Q" "$s")=checkpoints/research/dvd-planner-s$s")
  args+=(--model "$(name "$G" "$s")=checkpoints/research/planner-anyview-ft-s$s")
  args+=(--model "$(name "$E" "$s")=checkpoints/research/dvd-planner-anyview-s$s")
  args+=(--model "$(name "$H" "$s")=checkpoints/research/planner-change-s$s")
  args+=(--model "$(name "$K" "$s")=checkpoints/research/planner-change-allpairs-hfail-s$s")
  args+=(--model "$(name "$N" "$s")=checkpoints/research/planner-change-hfail-s$s")
  args+=(--model "$(name "$M" "$s")=checkpoints/research/planner-change-hfail-both-s$s")
  if [ "$s" != 0 ]; then args+=(--model "$(name "$A" "$s")=checkpoints/research/paper-main-s$s"); fi
done
a2r eval env-generalization --checkpoint checkpoints/research/paper-main-s0 --name "$A" "${args[@]}" \
  --out "${OUT:-results/generalization/env-full20}" --preset full-20 --workers 2
a2r report --results "${OUT:-results/generalization/env-full20}"
