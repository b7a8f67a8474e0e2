#!/usr/bin/env bash
# Diagnostic, not a protocol: the validation episodes of the target tasks (preset `validation`, as
# ../planning-validation) planned with the rewards' candidates filmed in the human stand-in's look
# (`a2r eval --look human`): the same search and the same success judged by MetaWorld, only what the
# reward sees differs. The same checkpoints are planned in the robot look too (into robot-eyes/), so the
# two looks are paired over the same episodes and weights. Robot + 6 human tasks, 3 training seeds;
# checkpoints: ../../generalization/COMMANDS.md. An eval run keeps only the episodes of the methods it
# names, so this script names them all.
set -euo pipefail
export OMP_NUM_THREADS=1
OUT="${OUT:-results/generalization/planning-validation-human-eyes}"
C=checkpoints/research/planner-change-hfail-h6
for look in robot human; do
  H9="planner-space data + change + human failures, $look-look eyes (robot+6 human)"
  dir="$OUT"; [ "$look" = robot ] && dir="$OUT/robot-eyes"
  a2r eval task-generalization --checkpoint "$C-s0" --name "$H9" \
    --model "$H9 [seed 1]=$C-s1" --model "$H9 [seed 2]=$C-s2" \
    --look "$look" --out "$dir" --preset validation --workers 2
  a2r report --results "$dir"
done
