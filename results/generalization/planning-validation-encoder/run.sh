#!/usr/bin/env bash
# Lever 13, the encoder translator (`a2r translate-look --encoder-blocks 4`), against lever 12 (the affine
# translator, both readings) on the same rebuilt lever-9 weights, robot + 6 human tasks, 3 training seeds
# each (checkpoints: ../COMMANDS.md), on validation episodes (preset `validation`): the target tasks (as
# ../planning-validation) into this folder, the training tasks in four looks (4 episodes per (task, look),
# as ../planning-validation-env) into env/. An eval run keeps only the episodes of the methods it names,
# so this script names them all; a rerun plans only what is missing.
set -euo pipefail
export OMP_NUM_THREADS=1
OUT="${OUT:-results/generalization/planning-validation-encoder}"
C=checkpoints/research/planner-change-hfail
for protocol in task env; do
  plus=""; dir="$OUT"; episodes=()
  [ "$protocol" = env ] && { plus="+ "; dir="$OUT/env"; episodes=(--episodes 4); }
  B="${plus}planner-space data + change + human failures + both readings (robot+6 human)"
  E="${plus}planner-space data + change + human failures + encoder translator (robot+6 human)"
  a2r eval "$protocol-generalization" --checkpoint "$C-encoder-h6-s0" --name "$E" \
    --model "$E [seed 1]=$C-encoder-h6-s1" --model "$E [seed 2]=$C-encoder-h6-s2" \
    --model "$B=$C-both-h6-s0" --model "$B [seed 1]=$C-both-h6-s1" --model "$B [seed 2]=$C-both-h6-s2" \
    --out "$dir" --preset validation "${episodes[@]}" --workers 2
  a2r report --results "$dir"
done
