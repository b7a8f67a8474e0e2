#!/usr/bin/env bash
# Lever 14, reward ensembles (`a2r ensemble`), against lever 12 alone, on validation episodes (preset
# `validation`): the target tasks into this folder, the training tasks in four looks (4 episodes per
# (task, look)) into env/. Lever 12 = levers 1, 7, 9 trained (train-taskgen-6-planner-change-hfail.json,
# seeds 0-8) + `a2r translate-look --both-readings`; ensemble g (penalty 0: the members' mean; penalty 1: mean - std) holds seeds 3g, 3g+1, 3g+2 and is compared
# with its first member, seed 3g, alone (commands: ../COMMANDS.md). An eval run keeps only the episodes of
# the methods it names, so this script names them all; a rerun plans only what is missing.
# PROTOCOLS="task" plans the target tasks only.
set -euo pipefail
export OMP_NUM_THREADS=1
OUT="${OUT:-results/generalization/planning-validation-ensemble}"
C=checkpoints/research/planner-change-hfail
for protocol in ${PROTOCOLS:-task env}; do
  plus=""; dir="$OUT"; episodes=()
  [ "$protocol" = env ] && { plus="+ "; dir="$OUT/env"; episodes=(--episodes 4); }
  B="${plus}planner-space data + change + human failures + both readings (robot+6 human)"
  M="${plus}planner-space data + change + human failures + both readings + ensemble of 3 (robot+6 human)"
  P="${plus}planner-space data + change + human failures + both readings + pessimistic ensemble of 3 (robot+6 human)"
  a2r eval "$protocol-generalization" --checkpoint "$C-both-ens-p0-h6-g0" --name "$M" \
    --model "$M [seed 1]=$C-both-ens-p0-h6-g1" --model "$M [seed 2]=$C-both-ens-p0-h6-g2" \
    --model "$P=$C-both-ens-p1-h6-g0" --model "$P [seed 1]=$C-both-ens-p1-h6-g1" --model "$P [seed 2]=$C-both-ens-p1-h6-g2" \
    --model "$B=$C-both-h6-s0" --model "$B [seed 1]=$C-both-h6-s3" --model "$B [seed 2]=$C-both-h6-s6" \
    --out "$dir" --preset validation "${episodes[@]}" --workers 2
  a2r report --results "$dir"
done
