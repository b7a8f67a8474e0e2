#!/usr/bin/env bash
# Lever 16 (96 px) on the reported environment-generalization protocol (preset full-20-96px: episode seeds
# 0-19, never used to choose anything): lever 1 + lever 7 and DVD given the same data, both at 96 px, robot +
# all 19 human tasks, three training seeds each; then paired with ../env-full20's 64-px runs of the same
# configurations (paired.py). Checkpoints and data: results/generalization/COMMANDS.md ("Lever 16 on the
# reported environment-generalization episodes"). Resumable: a rerun keeps every finished episode.
set -euo pipefail
export OMP_NUM_THREADS=1
P=checkpoints/research/planner-change-96px; D=checkpoints/research/dvd-planner-96px
H="+ planner-space data + change inputs, 96 px"; Q="dvd + planner-space robot data, 96 px"
OUT=results/generalization/env-full20-96px
a2r eval env-generalization --checkpoint $P-s0 --name "$H" --model "$H [seed 1]=$P-s1" --model "$H [seed 2]=$P-s2" \
  --model "$Q=$D-s0" --model "$Q [seed 1]=$D-s1" --model "$Q [seed 2]=$D-s2" \
  --out $OUT --preset full-20-96px --workers 2
a2r report --results $OUT
python $OUT/paired.py
