#!/usr/bin/env bash
# Every configuration planned on the validation episodes of the training tasks in four looks (preset
# `validation`, 4 episodes per (task, look), robot + 6 human tasks, 3 training seeds each; checkpoints:
# results/generalization/COMMANDS.md). An eval run keeps only the episodes of the methods it names, so this
# script names them all; a rerun plans only what is missing. OUT (default: this folder) sends a long run
# elsewhere, e.g. a copy of this folder under data/.
set -euo pipefail
export OMP_NUM_THREADS=1
P="adapt2reward (robot+6 human)"; F="+ planner-space robot data (robot+6 human)"
G="+ planner-space data + any-view + stage-1 fine-tuning (robot+6 human)"
H="+ planner-space data + change inputs (robot+6 human)"
J="+ planner-space data + change + human failures + embodiment pairs (robot+6 human)"
K="+ planner-space data + change + human failures + embodiment pairs with the planner clips (robot+6 human)"
L="+ planner-space data + change + human failures + look translator (robot+6 human)"
M="+ planner-space data + change + human failures + both readings (robot+6 human)"
runs() { for s in 0 1 2; do
  if [ "$s" = 0 ]; then echo "--model"; echo "$1=checkpoints/research/$2-s0"
  else echo "--model"; echo "$1 [seed $s]=checkpoints/research/$2-s$s"; fi
done; }
args=()
while IFS= read -r line; do args+=("$line"); done < <(
  runs "$F" planner-h6; runs "$G" planner-anyview-ft-h6; runs "$H" planner-change-h6
  runs "$J" planner-change-pairs-hfail-h6; runs "$K" planner-change-allpairs-hfail-h6
  runs "$L" planner-change-hfail-xlate-h6; runs "$M" planner-change-hfail-both-h6)
a2r eval env-generalization --checkpoint checkpoints/research/paper-main-h6-s0 --name "$P" \
  --model "$P [seed 1]=checkpoints/research/paper-main-h6-s1" --model "$P [seed 2]=checkpoints/research/paper-main-h6-s2" \
  "${args[@]}" --out "${OUT:-results/generalization/planning-validation-env}" --preset validation --episodes 4 --workers 2
a2r report --results "${OUT:-results/generalization/planning-validation-env}"
