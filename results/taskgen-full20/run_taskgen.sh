#!/usr/bin/env bash
# Task generalization with the current code (final-step success headline, final-criterion oracle),
# preset full-20, the checkpoints of results/bench/COMMANDS.md. Resumable: rerun to finish.
set -euo pipefail
export OMP_NUM_THREADS=1
a2r eval task-generalization --checkpoint checkpoints/adapt2reward-human6 --name "adapt2reward (robot+6 human)" \
  --model "adapt2reward (robot+9 human)=checkpoints/adapt2reward-human9" \
  --model "dvd (robot+6 human)=checkpoints/dvd-human6" --model "dvd (robot+9 human)=checkpoints/dvd-human9" \
  --model "liv (robot+6 human)=checkpoints/liv-human6" --model "liv (robot+9 human)=checkpoints/liv-human9" \
  --out results/taskgen-full20 --preset full-20 --workers 2
a2r report --results results/taskgen-full20
