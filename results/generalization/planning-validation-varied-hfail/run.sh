#!/usr/bin/env bash
# Lever 4's look part stacked with lever 11 (human failures in the varied look, then the look translator
# fitted on robot clips filmed in the default human look, or in the varied one), planned on the validation
# episodes of both protocols (preset `validation`), robot + 6 human tasks, 3 training seeds. The episodes are
# those of planning-validation-varied and planning-validation (same preset), so it pairs with both there
# (adapt2reward.evaluation.paired.paired_across_runs). Checkpoints: results/generalization/COMMANDS.md, "Lever
# 4, look part, with lever 11". The new tasks' episodes also plan the same stage 2 without the translator, on
# the 19-task and the 39-task stand-in ("Lever 4, tasks part"). A rerun plans only what is missing.
set -euo pipefail
export OMP_NUM_THREADS=1
OUT="${OUT:-results/generalization/planning-validation-varied-hfail}"
S="+ planner-space data + change + varied stand-in + human failures + look translator (robot+6 human)"
W="+ planner-space data + change + varied stand-in + human failures + varied-look translator (robot+6 human)"
C=checkpoints/research/planner-change-hfail-varied-xlate-h6
CW=checkpoints/research/planner-change-hfail-varied-vxlate-h6
models=(--model "$S [seed 1]=$C-s1" --model "$S [seed 2]=$C-s2"
  --model "$W=$CW-s0" --model "$W [seed 1]=$CW-s1" --model "$W [seed 2]=$CW-s2")
F="+ planner-space data + change + varied stand-in + human failures (robot+6 human)"
X="+ planner-space data + change + 39-task varied stand-in + human failures (robot+6 human)"
CF=checkpoints/research/planner-change-hfail-varied-h6
CX=checkpoints/research/planner-change-hfail-varied-extended-h6
task_models=()
for s in 0 1 2; do
  tag=$([ $s = 0 ] && echo "" || echo " [seed $s]")
  task_models+=(--model "$F$tag=$CF-s$s" --model "$X$tag=$CX-s$s")
done
a2r eval task-generalization --checkpoint $C-s0 --name "$S" "${models[@]}" "${task_models[@]}" \
  --out "$OUT" --preset validation --workers 2
a2r eval env-generalization --checkpoint $C-s0 --name "$S" "${models[@]}" \
  --out "$OUT" --preset validation --episodes 4 --workers 2
a2r report --results "$OUT"
