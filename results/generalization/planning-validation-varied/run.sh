#!/usr/bin/env bash
# Lever 4's look part against lever 1 + lever 7 on the same code, planned on the validation episodes of
# both protocols (preset `validation`: the target tasks, 8 episodes each; the training tasks in four looks,
# 4 episodes per (task, look)), robot + 6 human tasks, 3 training seeds each; checkpoints:
# results/generalization/COMMANDS.md, "Lever 4, look part". A rerun plans only what is missing.
set -euo pipefail
export OMP_NUM_THREADS=1
OUT="${OUT:-results/generalization/planning-validation-varied}"
H="+ planner-space data + change inputs (robot+6 human)"
V="+ planner-space data + change + varied human stand-in (robot+6 human)"
C=checkpoints/research
models=(--model "$H [seed 1]=$C/planner-change-h6-s1" --model "$H [seed 2]=$C/planner-change-h6-s2"
  --model "$V=$C/planner-change-varied-h6-s0" --model "$V [seed 1]=$C/planner-change-varied-h6-s1"
  --model "$V [seed 2]=$C/planner-change-varied-h6-s2")
a2r eval task-generalization --checkpoint $C/planner-change-h6-s0 --name "$H" "${models[@]}" \
  --out "$OUT" --preset validation --workers 2
a2r eval env-generalization --checkpoint $C/planner-change-h6-s0 --name "$H" "${models[@]}" \
  --out "$OUT" --preset validation --episodes 4 --workers 2
a2r report --results "$OUT"
