#!/usr/bin/env bash
# Task generalization with the current code (final-step success headline, final-criterion oracle),
# preset full-20, the checkpoints of results/bench/COMMANDS.md plus training seeds 1-2 of Adapt2Reward and
# DVD (train_seeds.sh). Resumable: a rerun keeps the finished episodes.
set -euo pipefail
export OMP_NUM_THREADS=1
A="adapt2reward (robot+6 human)"; B="adapt2reward (robot+9 human)"
G="+ planner-space data + any-view + stage-1 fine-tuning (robot+6 human)"  # levers together, results/generalization
T="+ planner-space data + change + human failures + look translator (robot+6 human)"  # lever 11, results/generalization
V="dvd + planner-space data + human failures (robot+6 human)"  # DVD given lever 11's robot and human clips
T9="+ planner-space data + change + human failures + look translator (robot+9 human)"
V9="dvd + planner-space data + human failures (robot+9 human)"
W="+ planner-space data + change + human failures + both readings (robot+6 human)"  # lever 12
W9="+ planner-space data + change + human failures + both readings (robot+9 human)"
a2r eval task-generalization --checkpoint checkpoints/adapt2reward-human6 --name "$A" \
  --model "$B=checkpoints/adapt2reward-human9" \
  --model "$A [seed 1]=checkpoints/adapt2reward-human6-seed1" --model "$A [seed 2]=checkpoints/adapt2reward-human6-seed2" \
  --model "$B [seed 1]=checkpoints/adapt2reward-human9-seed1" --model "$B [seed 2]=checkpoints/adapt2reward-human9-seed2" \
  --model "dvd (robot+6 human)=checkpoints/dvd-human6" --model "dvd (robot+9 human)=checkpoints/dvd-human9" \
  --model "dvd (robot+6 human) [seed 1]=checkpoints/dvd-human6-seed1" \
  --model "dvd (robot+6 human) [seed 2]=checkpoints/dvd-human6-seed2" \
  --model "dvd (robot+9 human) [seed 1]=checkpoints/dvd-human9-seed1" \
  --model "dvd (robot+9 human) [seed 2]=checkpoints/dvd-human9-seed2" \
  --model "liv (robot+6 human)=checkpoints/liv-human6" --model "liv (robot+9 human)=checkpoints/liv-human9" \
  --model "$G=checkpoints/research/planner-anyview-ft-h6-s0" --model "$G [seed 1]=checkpoints/research/planner-anyview-ft-h6-s1" \
  --model "$G [seed 2]=checkpoints/research/planner-anyview-ft-h6-s2" \
  --model "$T=checkpoints/research/planner-change-hfail-xlate-h6-s0" \
  --model "$T [seed 1]=checkpoints/research/planner-change-hfail-xlate-h6-s1" \
  --model "$T [seed 2]=checkpoints/research/planner-change-hfail-xlate-h6-s2" \
  --model "$V=checkpoints/research/dvd-planner-hfail-h6-s0" \
  --model "$V [seed 1]=checkpoints/research/dvd-planner-hfail-h6-s1" \
  --model "$V [seed 2]=checkpoints/research/dvd-planner-hfail-h6-s2" \
  --model "$T9=checkpoints/research/planner-change-hfail-xlate-h9-s0" \
  --model "$T9 [seed 1]=checkpoints/research/planner-change-hfail-xlate-h9-s1" \
  --model "$T9 [seed 2]=checkpoints/research/planner-change-hfail-xlate-h9-s2" \
  --model "$V9=checkpoints/research/dvd-planner-hfail-h9-s0" \
  --model "$V9 [seed 1]=checkpoints/research/dvd-planner-hfail-h9-s1" \
  --model "$V9 [seed 2]=checkpoints/research/dvd-planner-hfail-h9-s2" \
  --model "$W=checkpoints/research/planner-change-hfail-both-h6-s0" \
  --model "$W [seed 1]=checkpoints/research/planner-change-hfail-both-h6-s1" \
  --model "$W [seed 2]=checkpoints/research/planner-change-hfail-both-h6-s2" \
  --model "$W9=checkpoints/research/planner-change-hfail-both-h9-s0" \
  --model "$W9 [seed 1]=checkpoints/research/planner-change-hfail-both-h9-s1" \
  --model "$W9 [seed 2]=checkpoints/research/planner-change-hfail-both-h9-s2" \
  --out "${OUT:-results/taskgen-full20}" --preset full-20 --workers 2
a2r report --results "${OUT:-results/taskgen-full20}"
