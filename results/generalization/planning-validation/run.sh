#!/usr/bin/env bash
# Every configuration planned on the validation episodes of the target tasks (preset `validation`, robot + 6
# human tasks, 3 training seeds each; checkpoints: results/generalization/COMMANDS.md). An eval run keeps only
# the episodes of the methods it names, so this script names them all; a rerun plans only what is missing.
# OUT (default: this folder) sends a long run elsewhere, e.g. a copy of this folder under data/.
set -euo pipefail
export OMP_NUM_THREADS=1
P="adapt2reward (robot+6 human)"; F="any-view + stage-1 fine-tuning (robot+6 human)"
G="planner-space data + any-view + stage-1 fine-tuning (robot+6 human)"; H="planner-space data + change inputs (robot+6 human)"
I="planner-space data + change + view pairs, fine-tuned (robot+6 human)"
J="planner-space data + change + human failures + embodiment pairs (robot+6 human)"
H9="planner-space data + change + human failures (robot+6 human)"
L="planner-space data + change + human failures + look translator (robot+6 human)"
M="planner-space data + change + human failures + both readings (robot+6 human)"
a2r eval task-generalization --checkpoint checkpoints/adapt2reward-human6 --name "$P" \
  --model "$P [seed 1]=checkpoints/adapt2reward-human6-seed1" --model "$P [seed 2]=checkpoints/adapt2reward-human6-seed2" \
  --model "$F=checkpoints/research/anyview-ft-h6-s0" --model "$F [seed 1]=checkpoints/research/anyview-ft-h6-s1" --model "$F [seed 2]=checkpoints/research/anyview-ft-h6-s2" \
  --model "$G=checkpoints/research/planner-anyview-ft-h6-s0" --model "$G [seed 1]=checkpoints/research/planner-anyview-ft-h6-s1" --model "$G [seed 2]=checkpoints/research/planner-anyview-ft-h6-s2" \
  --model "$H=checkpoints/research/planner-change-h6-s0" --model "$H [seed 1]=checkpoints/research/planner-change-h6-s1" --model "$H [seed 2]=checkpoints/research/planner-change-h6-s2" \
  --model "$I=checkpoints/research/planner-change-views-ft-h6-s0" --model "$I [seed 1]=checkpoints/research/planner-change-views-ft-h6-s1" --model "$I [seed 2]=checkpoints/research/planner-change-views-ft-h6-s2" \
  --model "$J=checkpoints/research/planner-change-pairs-hfail-h6-s0" --model "$J [seed 1]=checkpoints/research/planner-change-pairs-hfail-h6-s1" --model "$J [seed 2]=checkpoints/research/planner-change-pairs-hfail-h6-s2" \
  --model "$H9=checkpoints/research/planner-change-hfail-h6-s0" --model "$H9 [seed 1]=checkpoints/research/planner-change-hfail-h6-s1" --model "$H9 [seed 2]=checkpoints/research/planner-change-hfail-h6-s2" \
  --model "$L=checkpoints/research/planner-change-hfail-xlate-h6-s0" --model "$L [seed 1]=checkpoints/research/planner-change-hfail-xlate-h6-s1" --model "$L [seed 2]=checkpoints/research/planner-change-hfail-xlate-h6-s2" \
  --model "$M=checkpoints/research/planner-change-hfail-both-h6-s0" --model "$M [seed 1]=checkpoints/research/planner-change-hfail-both-h6-s1" --model "$M [seed 2]=checkpoints/research/planner-change-hfail-both-h6-s2" \
  --out "${OUT:-results/generalization/planning-validation}" --preset validation --workers 2
a2r report --results "${OUT:-results/generalization/planning-validation}"
