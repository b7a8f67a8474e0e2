#!/usr/bin/env bash
# Lever 5's frames: lever 1 + lever 7 (train-taskgen-6-planner-change-16f.json) and DVD given the same clips
# (dvd-taskgen-6-planner-16f.json on stage1-16f), seeds 0-2 each, with every clip, the stage-1 data and the
# planner's clips recorded as 16 frames instead of 8 (commands: ../COMMANDS.md, "Lever 5, 16 frames"),
# planned on the validation episodes of the training tasks in four looks (8 episodes per (task, look)) with
# preset `validation-16f` (the `validation` search filming 16-frame candidates). Lever 1 + lever 7 with
# 8 frames planned the first 4 of these episodes per cell in ../planning-validation-env: a planner of another
# clip shape is another run, so that comparison pairs across folders
# (`adapt2reward.evaluation.paired.paired_across_runs`); the one against DVD is within this run.
set -euo pipefail
export OMP_NUM_THREADS=1
OUT="${OUT:-results/generalization/planning-validation-16f}"
P=checkpoints/research/planner-change-16f
D=checkpoints/research/dvd-planner-16f
N="+ planner-space data + change inputs, 16 frames (robot+6 human)"
V="dvd + planner-space robot data, 16 frames (robot+6 human)"
a2r eval env-generalization --checkpoint "$P-h6-s0" --name "$N" \
  --model "$N [seed 1]=$P-h6-s1" --model "$N [seed 2]=$P-h6-s2" \
  --model "$V=$D-h6-s0" --model "$V [seed 1]=$D-h6-s1" --model "$V [seed 2]=$D-h6-s2" \
  --out "$OUT" --preset validation-16f --episodes 8 --workers 2
a2r report --results "$OUT"
