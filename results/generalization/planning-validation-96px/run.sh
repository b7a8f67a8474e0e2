#!/usr/bin/env bash
# Lever 16, 96-px frames (lever 5's resolution): lever 12 (levers 1, 7, 9 trained with
# train-taskgen-6-planner-change-hfail-96px.json + `a2r translate-look --both-readings`, seeds 0, 3, 6) with
# every clip, the stage-1 data and the translator's pairs rendered at 96 px instead of 64 (commands:
# ../COMMANDS.md), planned on the validation episodes with preset `validation-96px` (the `validation` search
# filming its candidates at 96 px): the target tasks into this folder, the training tasks in four looks (8
# episodes per (task, look); the 64-px runs planned the first 4) into env/, there beside lever 1 + lever 7
# at 96 px and DVD given the same 96-px clips (dvd-taskgen-6-planner-96px.json on stage1-96px), seeds 0-2
# each. The 64-px runs planned the same episode seeds in other folders (a planner of another size is another
# run): paired.py here pairs them. PROTOCOLS="task" plans the target tasks only; "human-eyes" plans the
# diagnostic of ../planning-validation-human-eyes with the untranslated 96-px weights (the target tasks'
# candidates filmed in the human stand-in's look, `--look human`) into human-eyes/.
set -euo pipefail
export OMP_NUM_THREADS=1
OUT="${OUT:-results/generalization/planning-validation-96px}"
C=checkpoints/research/planner-change-hfail-96px
P=checkpoints/research/planner-change-96px
D=checkpoints/research/dvd-planner-96px
for protocol in ${PROTOCOLS:-task env human-eyes}; do
  if [ "$protocol" = human-eyes ]; then
    H="planner-space data + change + human failures, 96 px, human-look eyes (robot+6 human)"
    a2r eval task-generalization --checkpoint "$C-h6-s0" --name "$H" \
      --model "$H [seed 1]=$C-h6-s3" --model "$H [seed 2]=$C-h6-s6" \
      --look human --out "$OUT/human-eyes" --preset validation-96px --workers 2
    a2r report --results "$OUT/human-eyes"
    continue
  fi
  plus=""; dir="$OUT"; episodes=()
  [ "$protocol" = env ] && { plus="+ "; dir="$OUT/env"; episodes=(--episodes 8); }
  N="${plus}planner-space data + change + human failures + both readings, 96 px (robot+6 human)"
  more=()  # lever 1 + lever 7 and DVD at 96 px (seeds 0-2), four looks only
  [ "$protocol" = env ] && for s in 0 1 2; do
    seed=""; [ "$s" != 0 ] && seed=" [seed $s]"
    more+=(--model "+ planner-space data + change inputs, 96 px (robot+6 human)$seed=$P-h6-s$s")
    more+=(--model "dvd + planner-space robot data, 96 px (robot+6 human)$seed=$D-h6-s$s")
  done
  a2r eval "$protocol-generalization" --checkpoint "$C-both-h6-s0" --name "$N" \
    --model "$N [seed 1]=$C-both-h6-s3" --model "$N [seed 2]=$C-both-h6-s6" "${more[@]}" \
    --out "$dir" --preset validation-96px "${episodes[@]}" --workers 2
  a2r report --results "$dir"
done
