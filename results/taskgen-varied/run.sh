#!/usr/bin/env bash
# Lever 4's look part on the reported task-generalization episodes (preset full-20, robot + 6 human tasks,
# 3 training seeds): lever 1 + lever 7 with the varied human stand-in, the same without it (same code), and
# DVD given the same robot and human clips; oracle and random are added. The episodes are those of
# results/taskgen-full20 (same preset and seeds), so every method here pairs with the methods there
# (adapt2reward.evaluation.paired.paired_across_runs). Checkpoints: results/generalization/COMMANDS.md, "Lever 4,
# look part". Resumable: a rerun keeps the finished episodes.
set -euo pipefail
export OMP_NUM_THREADS=1
OUT="${OUT:-results/taskgen-varied}"
H="+ planner-space data + change inputs (robot+6 human)"
V="+ planner-space data + change + varied human stand-in (robot+6 human)"
D="dvd + planner-space data + varied human stand-in (robot+6 human)"
C=checkpoints/research
models=()
for s in 1 2; do models+=(--model "$H [seed $s]=$C/planner-change-h6-s$s"); done
models+=(--model "$V=$C/planner-change-varied-h6-s0" --model "$D=$C/dvd-planner-varied-h6-s0")
for s in 1 2; do
  models+=(--model "$V [seed $s]=$C/planner-change-varied-h6-s$s" --model "$D [seed $s]=$C/dvd-planner-varied-h6-s$s")
done
a2r eval task-generalization --checkpoint $C/planner-change-h6-s0 --name "$H" "${models[@]}" \
  --out "$OUT" --preset full-20 --workers 2
a2r report --results "$OUT"
