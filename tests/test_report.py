"""The report builds tables and PNG plots from a tiny fake results folder."""

import json

import numpy as np
import pytest

from adapt2reward.evaluation.episodes import EpisodeRecord
from adapt2reward.evaluation.paired import paired_across_runs, paired_comparison
from adapt2reward.evaluation.protocols import ProtocolConfig, Sweep, summarize
from adapt2reward.evaluation.report import build_report


def _record(method: str, task: str, variant: str, seed: int, rng: np.random.Generator) -> EpisodeRecord:
    success = bool(rng.uniform() < (0.9 if method == "oracle" else 0.3))
    return EpisodeRecord(
        method=method,
        task=task,
        variant=variant,
        seed=seed,
        instruction="close the drawer",
        success=success,
        final_success=success,
        first_success_step=40 if success else None,
        final_reward=1.0,
        seconds=0.5,
        cpu_seconds=0.4,
        reward_calls=2,
        candidate_scores=rng.normal(size=6).tolist(),
        candidate_successes=(rng.uniform(size=6) < 0.5).tolist(),
        reward_curve=np.sort(rng.uniform(size=8)).tolist(),
    )


def _fake_results(folder, methods=("adapt2reward", "oracle", "random")):
    methods = list(methods)
    protocol = ProtocolConfig(
        "env-generalization",
        "fake",
        {"variants": Sweep("variant", ("drawer-close", "button-press"), ("train", "colors"))},
    )
    rng = np.random.default_rng(0)
    records = [
        _record(m, t, v, s, rng)
        for m in methods
        for t in ("drawer-close", "button-press")
        for v in ("train", "colors")
        for s in range(3)
    ]
    summary = {
        "protocol": protocol.name,
        "description": "fake",
        "preset": "quick",
        "episodes_per_cell": 3,
        "planner": {"cem": {"samples": 4, "iterations": 1}},
        "sweeps": {"variants": {"by": "variant", "columns": ["train", "colors"]}},
        "results": summarize(protocol, methods, records),
        "seconds_per_episode": dict.fromkeys(methods, 0.5),
    }
    (folder / "env-generalization.json").write_text(json.dumps(summary))
    with (folder / "env-generalization.episodes.jsonl").open("w") as f:
        f.writelines(json.dumps(r.to_dict()) + "\n" for r in records)
    return summary


def test_report_builds_tables_and_plots(tmp_path):
    summary = _fake_results(tmp_path)
    ablation = tmp_path / "ablation.json"
    ablation.write_text(
        json.dumps(
            {
                "title": "Ablation",
                "columns": ["train", "colors"],
                "rows": {
                    "no failure prompts": {"train": 0.5, "colors": None},
                    "full": {"train": 0.8, "colors": 0.6},
                },
            }
        )
    )
    offline = {
        name: {
            "clips": 10,
            "successes": 5,
            "reward_auc": auc,
            "reward_auc_per_variant": {"train": auc, "mean": auc},
            "retrieval_accuracy": 0.5,
            "retrieval_candidates": 4,
            "dense_progress_spearman": None,
        }
        for name, auc in (("adapt2reward", 0.91), ("zero-shot", 0.55))
    }
    (tmp_path / "offline.json").write_text(json.dumps(offline))
    report = build_report(tmp_path)
    text = report.read_text()
    assert "| adapt2reward | 0.91 | 0.91 | — | 0.50 | — |" in text
    rate = summary["results"]["oracle"]["variants"]["train"]["success_rate"]
    assert f"| oracle | {100 * rate:.0f} |" in text
    assert "| no failure prompts | 50 | — |" in text
    assert "Paired with `adapt2reward`" in text and "| oracle | 12 |" in text
    assert "ranks the planner's own candidates" in text and "oracle 0." in text
    assert "not checked against the paper" in text  # the paper's numbers say where they come from
    for name in ("variants-success", "reward-hist", "reward-curves"):
        png = tmp_path / f"env-generalization-{name}.png"
        assert png.is_file() and png.read_bytes()[:4] == b"\x89PNG"
        assert f"({png.name})" in text


def test_report_shows_training_seeds_as_mean_and_sd(tmp_path):
    runs = ["adapt2reward", "adapt2reward [seed 1]", "adapt2reward [seed 2]"]
    summary = _fake_results(tmp_path, [*runs, "dvd", "oracle", "random"])
    text = build_report(tmp_path).read_text()
    train = [summary["results"][m]["variants"]["train"]["success_rate"] for m in runs]
    mean, sd = 100 * np.mean(train), 100 * np.std(train)
    assert f"| adapt2reward (mean ± sd, 3 seeds) | {mean:.0f} ± {sd:.0f} |" in text
    assert f"| adapt2reward [seed 2] | {100 * train[2]:.0f} |" in text  # each run listed below
    assert "| dvd |" in text and "| dvd (mean" not in text
    aucs = {"a": 0.6, "a [seed 1]": 0.8, "b": 0.7}
    offline = {name: {"clips": 4, "reward_auc": auc} for name, auc in aucs.items()}
    (tmp_path / "offline.json").write_text(json.dumps(offline))
    text = build_report(tmp_path).read_text()
    assert "| a (mean ± sd, 2 seeds) | 0.70 ± 0.10 |" in text and "| a [seed 1] | 0.80 |" in text


def _episodes(outcomes: dict[str, list[int]]) -> list[dict]:
    """One episode record per method and seed (drawer-close, training look) from its 0/1 outcomes."""
    return [
        {"method": m, "task": "drawer-close", "variant": "train", "seed": i, "final_success": bool(v)}
        for m, values in outcomes.items()
        for i, v in enumerate(values)
    ]


def test_paired_comparison_counts_episodes_one_method_solved():
    outcomes = {"a": [1, 1, 1, 0, 1], "b": [0, 0, 1, 0]}  # b never ran seed 4: not paired
    # every episode succeeded at some step: judged that way, no difference
    episodes = [e | {"success": True} for e in _episodes(outcomes)]
    assert paired_comparison(episodes, "a", "b", outcome="success")["difference"] == 0
    c = paired_comparison(episodes, "a", "b")  # success at the episode's end
    assert (c["episodes"], c["wins"], c["losses"], c["difference"]) == (4, 2, 0, 0.5)
    assert c["p_value"] == pytest.approx(0.5)  # P(X in {0, 2}), X ~ Binomial(2, 1/2)
    assert c["ci95"][0] < 0.5 < c["ci95"][1]
    with pytest.raises(ValueError, match="share no episodes"):
        paired_comparison(episodes, "a", "c")


def test_paired_comparison_of_training_runs_scores_each_episode_by_its_share_of_runs():
    outcomes = {  # two runs of each method over the same three episodes
        "a": [1, 1, 0],
        "a [seed 1]": [1, 0, 0],
        "b": [0, 0, 1],
        "b [seed 1]": [0, 1, 0],
    }
    episodes = _episodes(outcomes)
    c = paired_comparison(episodes, ["a", "a [seed 1]"], ["b", "b [seed 1]"])
    # per episode a: 1, 0.5, 0 and b: 0, 0.5, 0.5 -> differences +1, 0, -0.5
    assert (c["episodes"], c["wins"], c["losses"]) == (3, 1, 1)
    assert c["difference"] == pytest.approx(0.5 / 3)
    # an episode one of a method's runs did not plan is left out
    partial = [e for e in episodes if not (e["method"] == "b [seed 1]" and e["seed"] == 2)]
    assert paired_comparison(partial, ["a", "a [seed 1]"], ["b", "b [seed 1]"])["episodes"] == 2


def test_two_runs_pair_over_their_shared_episodes_and_check_the_oracle_agrees():
    new = _episodes({"oracle": [1, 1, 0, 1], "a 96": [1, 1, 0, 1]})
    old = _episodes({"oracle": [1, 1, 0], "a": [0, 1, 0]})  # the old run planned three of the four episodes
    c = paired_across_runs(new, old, "a 96", "a")
    assert c["oracle_same_outcome"] == "3 of 3" and (c["episodes"], c["wins"], c["losses"]) == (3, 1, 0)
    moved = _episodes({"oracle": [0, 1, 0], "a": [0, 1, 0]})
    assert paired_across_runs(new, moved, "a 96", "a")["oracle_same_outcome"] == "2 of 3"
    with pytest.raises(ValueError, match="planned in both runs"):
        paired_across_runs(new, new, "a 96", "a 96")


def test_report_without_results_fails_clearly(tmp_path):
    with pytest.raises(FileNotFoundError, match="holds no results"):
        build_report(tmp_path)
