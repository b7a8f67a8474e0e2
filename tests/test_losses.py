"""Each loss against a value computed by hand with explicit Python loops on a tiny example."""

import math

import pytest
import torch
import torch.nn.functional as F

from adapt2reward.losses import (
    Adapt2RewardLoss,
    CrossDomainContrastiveLoss,
    FailureVideoLanguageLoss,
    LossConfig,
    SuccessBCELoss,
    VideoLanguageContrastiveLoss,
)

torch.set_num_threads(2)
S = 5.0  # logit scale


def feats(n, d=4, seed=0):
    return F.normalize(torch.randn(n, d, generator=torch.Generator().manual_seed(seed)), dim=-1)


def dot(a, b):
    return sum(float(x) * float(y) for x, y in zip(a, b, strict=True))


def neg_log_softmax(pos_logit, all_logits):
    return -(pos_logit - math.log(sum(math.exp(v) for v in all_logits)))


def close(a, b):
    return abs(float(a) - b) < 1e-5


def test_cdc_matches_hand_computation():
    h, r = feats(3, seed=1), feats(3, seed=2)
    ht, rt = [0, 1, 1], [1, 0, 2]

    def side(anchors, at, others, ot):
        losses = []
        for i, a in enumerate(anchors):
            logits = [S * dot(a, o) for o in others]
            pos = [j for j in range(len(others)) if ot[j] == at[i]]
            if pos:
                losses.append(sum(neg_log_softmax(logits[p], logits) for p in pos) / len(pos))
        return sum(losses) / len(losses)

    expected = (side(h, ht, r, rt) + side(r, rt, h, ht)) / 2
    got = CrossDomainContrastiveLoss()(h, torch.tensor(ht), r, torch.tensor(rt), torch.tensor(S))
    assert close(got, expected)


def test_vlc_matches_hand_computation_with_duplicates_and_extra_negatives():
    v, t, e = feats(4, seed=3), feats(2, seed=4), feats(3, seed=5)
    y = [0, 0, 1, 0]
    v2t = t2v = 0.0
    for i in range(4):
        cols = [S * dot(v[i], c) for c in list(t) + list(e)]
        v2t += neg_log_softmax(cols[y[i]], cols) / 4
        row = [S * dot(t[y[i]], v[i])] + [S * dot(t[y[i]], v[j]) for j in range(4) if y[j] != y[i]]
        t2v += neg_log_softmax(row[0], row) / 4
    got = VideoLanguageContrastiveLoss()(v, torch.tensor(y), t, torch.tensor(S), extra_negatives=e)
    assert close(got, (v2t + t2v) / 2)


def test_fvlc_matches_hand_computation_with_mask_and_success_texts():
    v = feats(3, seed=6)
    f = feats(4, seed=7).view(2, 2, 4)
    mask = torch.tensor([[True, True], [True, False]])
    t = feats(2, seed=8)
    tasks, modes = [0, 1, 0], [1, 0, 0]
    expected = 0.0
    for i in range(3):
        logits, target = [], None
        for task in range(2):
            for mode in range(2):
                if mask[task, mode]:
                    if (task, mode) == (tasks[i], modes[i]):
                        target = len(logits)
                    logits.append(S * dot(v[i], f[task, mode]))
        logits += [S * dot(v[i], c) for c in t]
        expected += neg_log_softmax(logits[target], logits) / 3
    got = FailureVideoLanguageLoss()(v, torch.tensor(tasks), torch.tensor(modes), f, torch.tensor(S), mask, t)
    assert close(got, expected)


def test_bce_matches_hand_computation():
    v, t = feats(3, seed=9), feats(3, seed=10)
    y, a, b = [1, 0, 1], 4.0, -1.0
    expected = 0.0
    for i in range(3):
        p = 1 / (1 + math.exp(-(a * dot(v[i], t[i]) + b)))
        expected += -(y[i] * math.log(p) + (1 - y[i]) * math.log(1 - p)) / 3
    got = SuccessBCELoss()(v, t, torch.tensor(y), torch.tensor(a), torch.tensor(b))
    assert close(got, expected)


def batch(aligned: bool, requires_grad: bool = False):
    """3 tasks; clips equal their task text (aligned) or another task's text (shuffled)."""
    text = feats(3, d=8, seed=11)
    fail_text = feats(6, d=8, seed=12).view(3, 2, 8)
    tasks = torch.tensor([0, 1, 2])
    src = tasks if aligned else torch.tensor([1, 2, 0])
    fmodes = torch.tensor([1, 0, 1])
    noise = lambda s: 0.05 * feats(3, d=8, seed=s)  # noqa: E731
    human = F.normalize(text[src] + noise(13), dim=-1)
    robot = F.normalize(text[src] + noise(14), dim=-1)
    failure = F.normalize(fail_text[src, fmodes] + noise(15), dim=-1)
    for x in (human, robot, failure, text, fail_text):
        x.requires_grad_(requires_grad)
    return dict(
        logit_scale=torch.tensor(10.0),
        human_features=human,
        human_tasks=tasks,
        robot_features=robot,
        robot_tasks=tasks,
        task_text_features=text,
        failure_features=failure,
        failure_tasks=tasks,
        failure_modes=fmodes,
        failure_text_features=fail_text,
        failure_mode_mask=torch.ones(3, 2, dtype=torch.bool),
        success_scale=torch.tensor(10.0),
        success_bias=torch.tensor(-5.0),
    )


def test_aligned_beats_shuffled_for_every_part():
    loss = Adapt2RewardLoss()
    _, good = loss(**batch(aligned=True))
    _, bad = loss(**batch(aligned=False))
    assert set(good) == {"cdc", "vlc", "fvlc", "bce"}
    for name in ("vlc", "fvlc", "bce"):
        assert good[name] < bad[name], name
    # CDC compares clips with clips: shuffling both domains alike keeps them matched, so use a mismatch
    b = batch(aligned=True)
    b["robot_features"] = b["robot_features"][[1, 2, 0]]
    assert good["cdc"] < loss(**b)[1]["cdc"]


def test_gradients_flow_to_all_inputs():
    b = batch(aligned=True, requires_grad=True)
    total, _ = Adapt2RewardLoss()(**b)
    total.backward()
    for name in (
        "human_features",
        "robot_features",
        "failure_features",
        "task_text_features",
        "failure_text_features",
    ):
        assert b[name].grad is not None and b[name].grad.abs().sum() > 0, name


@pytest.mark.parametrize(
    ("preset", "parts"),
    [
        ("full", {"cdc", "vlc", "fvlc", "bce"}),
        ("no-failure", {"cdc", "vlc"}),
        ("bce-only", {"cdc", "vlc", "bce"}),
    ],
)
def test_presets_switch_parts(preset, parts):
    total, got = Adapt2RewardLoss(LossConfig.preset(preset))(**batch(aligned=True))
    assert set(got) == parts
    assert close(total, sum(float(v) for v in got.values()))


def test_no_failure_preset_ignores_failure_texts_in_vlc():
    b = batch(aligned=True)
    vlc = VideoLanguageContrastiveLoss()
    robot = vlc(b["robot_features"], b["robot_tasks"], b["task_text_features"], b["logit_scale"])
    human = vlc(b["human_features"], b["human_tasks"], b["task_text_features"], b["logit_scale"])
    _, parts = Adapt2RewardLoss(LossConfig.preset("no-failure"))(**b)
    assert close(parts["vlc"], (float(robot) + float(human)) / 2)


def test_bad_loss_config_raises():
    with pytest.raises(ValueError, match="bce_weight"):
        LossConfig(bce_weight=-1.0)
    with pytest.raises(ValueError, match="preset"):
        LossConfig.preset("nope")


def test_order_ranking_matches_hand_computation_and_falls_as_the_better_clip_pulls_ahead():
    from adapt2reward.losses.order import OrderRankingLoss

    text = F.normalize(torch.tensor([[1.0, 0.0], [0.0, 1.0]]), dim=-1)
    better = F.normalize(torch.tensor([[0.9, 0.1], [0.2, 0.8]]), dim=-1)
    worse = F.normalize(torch.tensor([[0.5, 0.5], [0.7, 0.3]]), dim=-1)
    scale = torch.tensor(10.0)
    expected = torch.stack(
        [F.softplus(scale * ((w - b) @ t)) for b, w, t in zip(better, worse, text, strict=True)]
    ).mean()
    loss = OrderRankingLoss()(better, worse, text, scale)
    assert torch.allclose(loss, expected)
    assert (
        OrderRankingLoss()(text, worse, text, scale) < loss < OrderRankingLoss()(worse, better, text, scale)
    )


def test_view_consistency_prefers_each_clip_s_own_other_view():
    from adapt2reward.losses.view import ViewConsistencyLoss

    loss = ViewConsistencyLoss()
    torch.manual_seed(0)
    first = F.normalize(torch.randn(8, 16), dim=-1)
    second = F.normalize(first + 0.1 * torch.randn(8, 16), dim=-1)
    scale = torch.tensor(10.0)
    matched, shuffled = loss(first, second, scale), loss(first, second.roll(1, 0), scale)
    logits = scale * first @ second.T
    by_hand = -(logits.log_softmax(1).diag().mean() + logits.log_softmax(0).diag().mean()) / 2
    assert torch.isclose(matched, by_hand) and matched < 0.1 < shuffled
    with pytest.raises(ValueError, match="two \\(n, D\\) feature batches"):
        loss(first, second[:4], scale)
