"""Training speed: s/kimg of ganforge's DCGAN step vs the official PyTorch DCGAN example loop.

Both train the same 32x32 architecture (width 64, z 100, 3 channels, batch 64, one D and one
G step per iteration) on the same preloaded builtin:shapes batches, in one process, with
their timings interleaved so machine noise hits both alike.

    python benchmarks/train_speed.py [--iterations 30] [--repeats 5] [--markdown]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

import torch
from torch import nn

from ganforge.config import load_config
from ganforge.training.rng import seed_everything
from ganforge.training.state import build_state
from ganforge.training.step import train_step

BATCH, Z_DIM, WIDTH, CHANNELS = 64, 100, 64, 3


class ReferenceGenerator(nn.Module):
    """The official example's netG with one block fewer, for 32x32 output."""

    def __init__(self):
        super().__init__()
        ngf = WIDTH
        self.main = nn.Sequential(
            nn.ConvTranspose2d(Z_DIM, ngf * 4, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 4), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(True),
            nn.ConvTranspose2d(ngf, CHANNELS, 4, 2, 1, bias=False), nn.Tanh(),
        )

    def forward(self, z):
        return self.main(z)


class ReferenceDiscriminator(nn.Module):
    """The official example's netD with one block fewer, for 32x32 input (sigmoid output)."""

    def __init__(self):
        super().__init__()
        ndf = WIDTH
        self.main = nn.Sequential(
            nn.Conv2d(CHANNELS, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 2), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 4), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 4, 1, 4, 1, 0, bias=False), nn.Sigmoid(),
        )

    def forward(self, x):
        return self.main(x)


def _weights_init(m):
    name = m.__class__.__name__
    if "Conv" in name:
        nn.init.normal_(m.weight, 0.0, 0.02)
    elif "BatchNorm" in name:
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


class ReferenceLoop:
    """The training iteration of pytorch/examples dcgan/main.py: BCELoss on sigmoid outputs."""

    def __init__(self, images: torch.Tensor):
        self.images = images
        self.netG, self.netD = ReferenceGenerator(), ReferenceDiscriminator()
        self.netG.apply(_weights_init)
        self.netD.apply(_weights_init)
        self.criterion = nn.BCELoss()
        self.optD = torch.optim.Adam(self.netD.parameters(), lr=2e-4, betas=(0.5, 0.999))
        self.optG = torch.optim.Adam(self.netG.parameters(), lr=2e-4, betas=(0.5, 0.999))
        self.generator = torch.Generator().manual_seed(0)

    def step(self):
        index = torch.randint(len(self.images), (BATCH,), generator=self.generator)
        real = self.images[index].float() / 127.5 - 1
        self.netD.zero_grad()
        label = torch.full((BATCH,), 1.0)
        err_real = self.criterion(self.netD(real).view(-1), label)
        err_real.backward()
        fake = self.netG(torch.randn(BATCH, Z_DIM, 1, 1))
        label.fill_(0.0)
        err_fake = self.criterion(self.netD(fake.detach()).view(-1), label)
        err_fake.backward()
        self.optD.step()
        self.netG.zero_grad()
        label.fill_(1.0)
        err_g = self.criterion(self.netD(fake).view(-1), label)
        err_g.backward()
        self.optG.step()


class GanforgeLoop:
    def __init__(self):
        config = load_config(
            "dcgan-shapes",
            {"model.z_dim": Z_DIM, "model.g.width": WIDTH, "model.d.width": WIDTH, "train.batch_size": BATCH,
             "train.device": "cpu", "train.ema.enabled": False},
        )
        seed_everything(0)
        self.state = build_state(config)

    def step(self):
        assert train_step(self.state) is not None


def seconds_per_step(loop, iterations: int) -> float:
    start = time.perf_counter()
    for _ in range(iterations):
        loop.step()
    return (time.perf_counter() - start) / iterations


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=30, help="steps per timed block")
    parser.add_argument("--repeats", type=int, default=5, help="interleaved blocks per loop")
    parser.add_argument("--warmup", type=int, default=5)
    args = parser.parse_args()

    ganforge_loop = GanforgeLoop()
    reference_loop = ReferenceLoop(ganforge_loop.state.data.images)
    loops = {"ganforge": ganforge_loop, "reference (pytorch/examples dcgan)": reference_loop}
    for loop in loops.values():
        seconds_per_step(loop, args.warmup)
    timings: dict[str, list[float]] = {name: [] for name in loops}
    for _ in range(args.repeats):
        for name, loop in loops.items():
            timings[name].append(seconds_per_step(loop, args.iterations))

    kimg = BATCH / 1000
    medians = {name: statistics.median(values) / kimg for name, values in timings.items()}
    reference = medians["reference (pytorch/examples dcgan)"]
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {platform.processor() or platform.machine()}")
    print(f"command: python benchmarks/train_speed.py --iterations {args.iterations} --repeats {args.repeats}\n")
    print("| loop | s/kimg (median) | min | max | speed-up vs reference |")
    print("|---|---|---|---|---|")
    for name, values in timings.items():
        per_kimg = [v / kimg for v in values]
        print(f"| {name} | {medians[name]:.3f} | {min(per_kimg):.3f} | {max(per_kimg):.3f} | {reference / medians[name]:.2f}x |")


if __name__ == "__main__":
    main()
