"""The failure-prompt text columns of a stage-2 batch: aligned with the success-text columns, masked where a
task has no prompt (or fewer modes), worded like the success text they are contrasted with, and used as
hard negatives of the robot successes in VLC."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from adapt2reward.data.records import ClipRecord
from adapt2reward.data.task_texts import task_text_columns
from adapt2reward.losses import Adapt2RewardLoss, FailureVideoLanguageLoss, VideoLanguageContrastiveLoss
from adapt2reward.models import Adapt2RewardModel, BackboneConfig, ModelConfig, PromptConfig
from adapt2reward.training.adapt import failure_text_columns

torch.set_num_threads(2)
PROMPT_TASKS = {"push": "push the puck", "drawer-close": "close the drawer", "drawer-open": "open the drawer"}


@pytest.fixture(scope="module")
def model() -> Adapt2RewardModel:
    torch.manual_seed(0)
    backbone = BackboneConfig(kind="minilm-smallcnn", num_frames=4, temporal_depth=1, temporal_width=64)
    model = Adapt2RewardModel(ModelConfig(backbone=backbone, prompts=PromptConfig(tasks=PROMPT_TASKS)))
    model.prompts.set_num_modes(model.task_names.index("drawer-open"), 2)
    return model.eval()


def record(task: str, instruction: str, i: int = 0) -> ClipRecord:
    return ClipRecord(f"{task}-{i}", "robot", task, instruction, True, None, "train", i, 8, f"{task}-{i}.npz")


def test_batch_columns_label_each_clip_with_its_own_task_and_one_of_its_wordings():
    batch = [record("drawer-open", "pull the drawer open", 0), record("push", "push the puck", 1)]
    batch += [record("drawer-open", "open the drawer", 2)]
    tasks, texts, labels = task_text_columns(batch, np.random.default_rng(0), {"drawer-close": "shut it"})
    assert tasks == ["drawer-open", "push", "drawer-close"]  # the extra column comes last, no clip on it
    assert labels.tolist() == [0, 1, 0]
    assert texts[0] in {"pull the drawer open", "open the drawer"} and texts[1:] == [
        "push the puck",
        "shut it",
    ]


@torch.no_grad()
def test_failure_columns_follow_the_task_columns_their_wording_and_their_masks(model):
    columns = ["drawer-open", "window-close", "push"]  # window-close has no prompts (not a training task)
    texts = ["pull the drawer open", "close the window", "shove the puck"]  # paraphrases, as sampled
    features, mask = failure_text_columns(model, columns, texts, PROMPT_TASKS)
    k = model.prompts.max_modes
    assert features.shape[:2] == (3, k)
    assert mask.tolist() == [[True, True, False], [False] * k, [True] * k]
    for row, task in ((0, "drawer-open"), (2, "push")):
        table_row = model.task_names.index(task)  # the prompt table's row, not the column's index
        for mode in range(k):
            expected = model.encode_text([texts[row]], model.prompts(table_row, mode)[None])[0]
            assert torch.allclose(features[row, mode], expected, atol=1e-5), (task, mode)
    # no lexical cue: the failure text is the success text plus the prompt, not the canonical wording
    canonical = model.encode_failure_texts(["push"])[0]
    assert not torch.allclose(features[2], canonical, atol=1e-3)


def loss_inputs(seed: int = 0) -> dict:
    """2 tasks x 2 modes; mode 1 of task 1 unused (masked)."""
    gen = torch.Generator().manual_seed(seed)

    def feats(*shape):
        return F.normalize(torch.randn(*shape, 8, generator=gen), dim=-1)

    return dict(
        logit_scale=torch.tensor(10.0),
        human_features=feats(2),
        human_tasks=torch.tensor([0, 1]),
        robot_features=feats(2),
        robot_tasks=torch.tensor([0, 1]),
        task_text_features=feats(2),
        failure_features=feats(2),
        failure_tasks=torch.tensor([0, 1]),
        failure_modes=torch.tensor([1, 0]),
        failure_text_features=feats(2, 2),
        failure_mode_mask=torch.tensor([[True, True], [True, False]]),
        success_scale=torch.tensor(5.0),
        success_bias=torch.tensor(0.0),
    )


def parts_with(failure_text: tuple[int, int], like: torch.Tensor) -> dict:
    inputs = loss_inputs()
    inputs["failure_text_features"][failure_text] = like
    return Adapt2RewardLoss()(**inputs)[1]


def test_failure_texts_are_hard_negatives_of_robot_successes_only_where_valid():
    inputs = loss_inputs()
    base = Adapt2RewardLoss()(**inputs)[1]
    valid = inputs["failure_text_features"][inputs["failure_mode_mask"]]
    vlc = VideoLanguageContrastiveLoss()
    robot = vlc(inputs["robot_features"], inputs["robot_tasks"], inputs["task_text_features"], 10.0, valid)
    human = vlc(inputs["human_features"], inputs["human_tasks"], inputs["task_text_features"], 10.0)
    assert torch.allclose(base["vlc"], (robot + human) / 2)  # human clips get no failure negatives
    robot_clip = inputs["robot_features"][0]
    assert parts_with((0, 0), robot_clip)["vlc"] > base["vlc"] + 0.1  # a harder negative costs more
    masked = parts_with((1, 1), robot_clip)  # an unused mode is no negative anywhere
    assert torch.allclose(masked["vlc"], base["vlc"]) and torch.allclose(masked["fvlc"], base["fvlc"])


def test_each_failure_clip_is_pulled_to_its_own_task_and_mode():
    inputs = loss_inputs()
    fvlc = FailureVideoLanguageLoss()
    args = (inputs["failure_tasks"], inputs["failure_modes"], inputs["failure_text_features"], 10.0)
    texts = inputs["failure_text_features"]
    own = fvlc(texts[[0, 1], [1, 0]], *args, inputs["failure_mode_mask"])  # clip i = its own text
    other_mode = fvlc(texts[[0, 1], [0, 0]], *args, inputs["failure_mode_mask"])
    other_task = fvlc(texts[[1, 0], [0, 1]], *args, inputs["failure_mode_mask"])
    assert own < other_mode - 0.5 and own < other_task - 0.5


def test_opposite_instruction_columns_are_negatives_of_every_clip():
    inputs = loss_inputs()
    opposite = F.normalize(torch.randn(1, 8, generator=torch.Generator().manual_seed(9)), dim=-1)
    texts = inputs["task_text_features"]
    loss = Adapt2RewardLoss()
    inputs["task_text_features"] = torch.cat([texts, opposite])
    inputs["failure_text_features"] = F.pad(inputs["failure_text_features"], (0, 0, 0, 0, 0, 1))
    inputs["failure_mode_mask"] = F.pad(inputs["failure_mode_mask"], (0, 0, 0, 1))
    far = loss(**inputs)[1]["vlc"]
    inputs["task_text_features"] = torch.cat([texts, inputs["robot_features"][:1]])
    near = loss(**inputs)[1]["vlc"]
    assert near > far + 0.1
