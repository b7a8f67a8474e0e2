"""The SAC example (and the RL benchmark built on it) resumes an interrupted run from its last snapshot."""

import sys
from pathlib import Path

import pytest

pytest.importorskip("stable_baselines3")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))

import train_sac_learned_reward as sac  # noqa: E402


class Interrupted(Exception):
    pass


def test_an_interrupted_run_resumes_from_its_last_snapshot_and_cleans_up(tmp_path, monkeypatch):
    folder = tmp_path / "snapshots"
    save, saved = sac.Snapshots.save, []

    def save_then_stop(self):
        save(self)
        saved.append(self.num_timesteps)
        if len(saved) == 2:
            raise Interrupted  # as if the machine went away right after the second snapshot

    monkeypatch.setattr(sac.Snapshots, "save", save_then_stop)
    with pytest.raises(Interrupted):
        sac.train("reach", "sparse", 120, seed=0, eval_episodes=1, snapshots=folder, snapshot_every=40)
    assert saved == [40, 80]
    assert sac.read_snapshot(folder)["steps_done"] == 80
    assert [p.name for p in folder.glob("step-*")] == ["step-80"]  # older snapshots are dropped

    monkeypatch.setattr(sac.Snapshots, "save", save)
    loaded = []
    load_buffer = sac.SAC.load_replay_buffer

    def record_buffer(self, path, *args, **kwargs):
        load_buffer(self, path, *args, **kwargs)
        loaded.append(self.replay_buffer.size())

    monkeypatch.setattr(sac.SAC, "load_replay_buffer", record_buffer)
    result = sac.train("reach", "sparse", 120, seed=0, eval_episodes=1, snapshots=folder, snapshot_every=40)
    assert result["resumed_at"] == [80] and result["steps"] == 120
    assert loaded == [80]  # the replay buffer came back with the 80 steps it held
    assert not folder.exists()  # a finished run leaves no snapshot behind
    fresh = sac.train("reach", "sparse", 40, seed=0, eval_episodes=1)
    assert fresh["resumed_at"] == []
