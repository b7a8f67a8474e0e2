#!/usr/bin/env bash
# A wheel works outside the repository: build it, install it into a fresh virtual environment (the
# system's site-packages give it torch and the other dependencies, not the editable install), check that
# the installed copy is the one imported, and run `a2r --help`, `a2r eval --help` and a tiny `a2r eval`
# (one task, one look, one episode of each method) whose preset and protocols are the wheel's package data.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The installed setuptools builds it when there is one (no download); else pip fetches one to build with.
isolation=$(python -c "import setuptools" 2>/dev/null && echo --no-build-isolation || true)
pip wheel -q --no-deps $isolation -w "$work/dist" .
python -m venv --system-site-packages "$work/venv"
"$work/venv/bin/pip" install -q --no-deps --no-index "$work"/dist/adapt2reward-*.whl
cd "$work"  # nothing of the repository is on the path from here
py="$work/venv/bin/python"
"$py" - "$work/venv" <<'PY'
import sys
from pathlib import Path

import adapt2reward
from adapt2reward.evaluation.protocols import PROTOCOL_NAMES, get_preset, get_protocol

where = Path(adapt2reward.__file__).resolve()
assert Path(sys.argv[1]).resolve() in where.parents, f"imported {where}, not the wheel in {sys.argv[1]}"
for name in PROTOCOL_NAMES:
    get_protocol(name)
get_preset("quick")
print(f"wheel imported from {where.parent}")
PY
"$work/venv/bin/a2r" --help >/dev/null
"$work/venv/bin/a2r" eval --help >/dev/null
"$py" - <<'PY'
from adapt2reward.models import Adapt2RewardModel, BackboneConfig, ModelConfig
from adapt2reward.models.checkpoint import save_model

backbone = BackboneConfig(kind="minilm-smallcnn", num_frames=4, temporal_depth=1, temporal_width=64, embed_dim=64)
model = Adapt2RewardModel(ModelConfig(backbone=backbone))
save_model("tiny", model, {"model": model.config.to_dict()})
PY
echo '{"sweeps": {"one": {"by": "variant", "tasks": ["drawer-close"], "variants": ["train"]}}}' > one.json
"$work/venv/bin/a2r" eval one.json --checkpoint tiny --out results --episodes 1 >/dev/null
grep -q '"oracle"' results/one.json
echo "wheel check passed in $((SECONDS - start)) s"
