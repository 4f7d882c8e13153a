"""A task added as its `TaskChoice` and one objective (both defined here, in the test) trains,
samples, exports and evaluates through the CLI with no edit anywhere else: the config asks the
choice, the commands ask the objective."""

import json

import torch
from torch import nn

from ganforge.choices import TaskChoice, register_task
from ganforge.cli import main
from ganforge.conditions import ClassConditions
from ganforge.losses import LOSSES
from ganforge.training.objectives import NetworkDecl, Objective, Phase, register_objective


class Painter(nn.Module):
    """z (and a class) -> a 1-channel image in [-1, 1]: one linear layer."""

    def __init__(self, z_dim: int, classes: int, resolution: int):
        super().__init__()
        self.z_dim, self.num_classes, self.resolution = z_dim, classes, resolution
        self.embed = nn.Embedding(classes, z_dim)
        self.paint = nn.Linear(z_dim, resolution * resolution)

    def forward(self, z, labels):
        return torch.tanh(self.paint(z + self.embed(labels))).view(-1, 1, self.resolution, self.resolution)


class Critic(nn.Module):
    def __init__(self, resolution: int):
        super().__init__()
        self.judge = nn.Linear(resolution * resolution, 1)

    def forward(self, images):
        return self.judge(images.flatten(1)).squeeze(1)


register_task(TaskChoice("test-painter", reads=("model.z_dim",), uses_model_section=False))


@register_objective
class PainterObjective(Objective):
    """A class-conditional task with networks of its own names, none of them "G"."""

    name = "test-painter"
    batch_keys = ("image", "label")
    sampled = "Painter"
    conditions = ClassConditions
    size_keys = ("model.z_dim",)

    @classmethod
    def declare(cls, config, data):
        return [
            NetworkDecl("Painter", Painter(config.model.z_dim, data.num_classes, data.resolution), 1e-3, (0.5, 0.99), ema=True),
            NetworkDecl("Critic", Critic(data.resolution), 1e-3, (0.5, 0.99)),
        ]

    def __init__(self, config, networks, device, data):
        super().__init__(config, networks, device, data)
        self.loss = LOSSES["nonsaturating"]

    def _fakes(self, labels):
        z = torch.randn(len(labels), self.config.model.z_dim, device=self.device)
        return self.networks["Painter"](z, labels)

    def critic_step(self, batch, last):
        with torch.no_grad():
            fake = self._fakes(batch["label"])
        loss = self.loss.d_loss(self.networks["Critic"](batch["image"]), self.networks["Critic"](fake))
        return loss, {"d_loss": loss.detach()}

    def painter_step(self, batch, last):
        labels = torch.randint(0, self.data.num_classes, (self.config.train.batch_size,), device=self.device)
        loss = self.loss.g_loss(self.networks["Critic"](self._fakes(labels)))
        return loss, {"g_loss": loss.detach()}

    def phases(self):
        return [
            Phase("Critic", trains=("Critic",), run=self.critic_step),
            Phase("Painter", trains=("Painter",), run=self.painter_step, frozen=("Critic",), needs_batch=False),
        ]

    def fixed_inputs(self, n, seed):
        draw = torch.Generator().manual_seed(seed)
        return {"z": torch.randn(n, self.config.model.z_dim, generator=draw), "label": torch.arange(n) % self.data.num_classes}

    def render(self, networks, fixed):
        with torch.no_grad():
            images = networks["Painter"](fixed["z"], fixed["label"])
        return ((images + 1) * 127.5).clamp(0, 255).round().to(torch.uint8), 4


def test_a_task_defined_outside_the_package_trains_samples_exports_and_evaluates(tmp_path, capsys):
    config = tmp_path / "painter.yaml"
    config.write_text(
        "task: test-painter\ndata: {path: 'builtin:digits', max_images: 64}\nmodel: {z_dim: 8}\n"
        "train: {steps: 3, batch_size: 8, log_every: 1, sample_every: 1000, sample_grid: 8}\n"
    )
    run = tmp_path / "run"
    assert main(["train", str(config), "--run-dir", str(run), "--no-progress"]) == 0
    capsys.readouterr()

    assert main(["sample", str(run), "--class", "7", "--n", "4", "--out", str(tmp_path / "sevens.png"), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["labels"] == ["7"] * 4 and (tmp_path / "sevens.png").is_file()

    assert main(["export", str(run), "--out", str(tmp_path / "P.safetensors")]) == 0
    meta = json.loads((tmp_path / "P.json").read_text())
    assert meta["task"] == "test-painter" and meta["class_names"] == [str(k) for k in range(10)]
    assert main(["sample", str(tmp_path / "P.safetensors"), "--classes", "all", "--n", "10",
                 "--out", str(tmp_path / "classes.png")]) == 0

    import ganforge

    from_run, from_export = ganforge.load_generator(run), ganforge.load_generator(tmp_path / "P.safetensors")
    assert torch.equal(ganforge.sample(from_run, 6, seed=2, labels=3), ganforge.sample(from_export, 6, seed=2, labels=3))

    capsys.readouterr()
    assert main(["eval", "--fake", str(run), "--real", "builtin:digits", "--features", "digits",
                 "--metrics", "fid,cacc", "--n", "40", "--json", "-"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["fid"] > 0 and 0 <= result["class_accuracy"] <= 1

    code = main(["translate", str(run), "--input", str(tmp_path / "sevens.png"), "--out", str(tmp_path / "t.png")])
    assert code == 2 and "test-painter run samples images" in capsys.readouterr().err


def test_a_new_task_refuses_keys_it_does_not_read():
    from ganforge.config import load_config
    from ganforge.errors import UserError

    try:
        load_config({"task": "test-painter", "model": {"g": {"width": 8}}})
    except UserError as err:
        assert "model.g.width: task test-painter does not read it" in str(err)
    else:
        raise AssertionError("model.g.width was accepted by a task that does not read it")
