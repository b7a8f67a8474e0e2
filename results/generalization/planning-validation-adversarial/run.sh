#!/usr/bin/env bash
# Lever 15, the reward's own adversarial candidates (`a2r record-planner --guide`), against lever 12, on
# validation episodes (preset `validation`): the target tasks into this folder, the training tasks in four
# looks (4 episodes per (task, look)) into env/. Lever 12 = levers 1, 7, 9 trained
# (train-taskgen-6-planner-change-hfail.json) + `a2r translate-look --both-readings`, seeds 0, 3, 6; lever 15
# adds data/planner-adversarial (train-taskgen-6-planner-adversarial.json), same seeds, same translator
# (commands: ../COMMANDS.md). The lever-12 episodes of the target tasks were planned in
# ../planning-validation-ensemble (same checkpoints, names and planner) and copied here; a rerun plans only
# what is missing. PROTOCOLS="task" plans the target tasks only.
set -euo pipefail
export OMP_NUM_THREADS=1
OUT="${OUT:-results/generalization/planning-validation-adversarial}"
B=checkpoints/research/planner-change-hfail
C=checkpoints/research/planner-adversarial
for protocol in ${PROTOCOLS:-task env}; do
  plus=""; dir="$OUT"; episodes=()
  [ "$protocol" = env ] && { plus="+ "; dir="$OUT/env"; episodes=(--episodes 4); }
  L="${plus}planner-space data + change + human failures + both readings (robot+6 human)"
  A="${plus}planner-space data + change + human failures + both readings + adversarial candidates (robot+6 human)"
  a2r eval "$protocol-generalization" --checkpoint "$C-both-h6-s0" --name "$A" \
    --model "$A [seed 1]=$C-both-h6-s3" --model "$A [seed 2]=$C-both-h6-s6" \
    --model "$L=$B-both-h6-s0" --model "$L [seed 1]=$B-both-h6-s3" --model "$L [seed 2]=$B-both-h6-s6" \
    --out "$dir" --preset validation "${episodes[@]}" --workers 2
  a2r report --results "$dir"
done
