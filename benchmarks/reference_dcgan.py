"""A reference DCGAN program for speed comparisons, written to follow the training loop of the
PyTorch examples' DCGAN (`dcgan/main.py --dataset folder`): the same 64-px generator and
discriminator, weight init, ImageFolder + Resize/CenterCrop/ToTensor/Normalize, a shuffling
DataLoader with 2 workers, BCE on sigmoid outputs, Adam 2e-4 with beta1 0.5, one line printed
per iteration, sample images every 100 iterations and the weights saved every epoch.

It is a re-implementation for measuring, not the example itself. It adds `--seconds` (stop
after that much wall time since the program started) and prints a JSON summary at the end.

    python benchmarks/reference_dcgan.py --dataroot FOLDER [--seconds 120] [--outf DIR] [--workers 2]
"""

from __future__ import annotations

import time

PROGRAM_START = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import tempfile  # noqa: E402

import torch  # noqa: E402
import torchvision.datasets as dset  # noqa: E402
import torchvision.transforms as transforms  # noqa: E402
import torchvision.utils as vutils  # noqa: E402
from torch import nn  # noqa: E402


class Generator(nn.Module):
    def __init__(self, nz: int, ngf: int, nc: int):
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 8, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 8), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 4), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(True),
            nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False), nn.Tanh(),
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.main(z)


class Discriminator(nn.Module):
    def __init__(self, nc: int, ndf: int):
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(nc, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 2), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 4), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 4, ndf * 8, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 8), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 8, 1, 4, 1, 0, bias=False), nn.Sigmoid(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.main(x).view(-1, 1).squeeze(1)


def weights_init(m: nn.Module) -> None:
    classname = m.__class__.__name__
    if classname.find("Conv") != -1:
        torch.nn.init.normal_(m.weight, 0.0, 0.02)
    elif classname.find("BatchNorm") != -1:
        torch.nn.init.normal_(m.weight, 1.0, 0.02)
        torch.nn.init.zeros_(m.bias)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataroot", required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batchSize", type=int, default=64)
    parser.add_argument("--imageSize", type=int, default=64)
    parser.add_argument("--nz", type=int, default=100)
    parser.add_argument("--ngf", type=int, default=64)
    parser.add_argument("--ndf", type=int, default=64)
    parser.add_argument("--niter", type=int, default=25)
    parser.add_argument("--lr", type=float, default=0.0002)
    parser.add_argument("--beta1", type=float, default=0.5)
    parser.add_argument("--outf", default=None, help="folder for samples and weights (default: a temporary one)")
    parser.add_argument("--manualSeed", type=int, default=None)
    parser.add_argument("--seconds", type=float, default=None, help="stop after this wall time since the start")
    opt = parser.parse_args()
    outf = opt.outf or tempfile.mkdtemp(prefix="reference-dcgan-")

    seed = opt.manualSeed if opt.manualSeed is not None else random.randint(1, 10000)
    random.seed(seed)
    torch.manual_seed(seed)

    dataset = dset.ImageFolder(root=opt.dataroot, transform=transforms.Compose([
        transforms.Resize(opt.imageSize),
        transforms.CenterCrop(opt.imageSize),
        transforms.ToTensor(),
        transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5)),
    ]))
    nc = 3
    dataloader = torch.utils.data.DataLoader(dataset, batch_size=opt.batchSize, shuffle=True,
                                             num_workers=opt.workers)
    device = torch.device("cpu")
    nz = opt.nz

    netG = Generator(nz, opt.ngf, nc).to(device)
    netG.apply(weights_init)
    netD = Discriminator(nc, opt.ndf).to(device)
    netD.apply(weights_init)

    criterion = nn.BCELoss()
    fixed_noise = torch.randn(opt.batchSize, nz, 1, 1, device=device)
    real_label, fake_label = 1, 0
    optimizerD = torch.optim.Adam(netD.parameters(), lr=opt.lr, betas=(opt.beta1, 0.999))
    optimizerG = torch.optim.Adam(netG.parameters(), lr=opt.lr, betas=(opt.beta1, 0.999))

    iterations, loop_start, first_step_done = 0, time.perf_counter(), None
    out_of_time = False
    for epoch in range(opt.niter):
        for i, data in enumerate(dataloader, 0):
            # (1) Update D: maximize log(D(x)) + log(1 - D(G(z)))
            netD.zero_grad()
            real_cpu = data[0].to(device)
            batch_size = real_cpu.size(0)
            label = torch.full((batch_size,), real_label, dtype=real_cpu.dtype, device=device)
            output = netD(real_cpu)
            errD_real = criterion(output, label)
            errD_real.backward()
            D_x = output.mean().item()

            noise = torch.randn(batch_size, nz, 1, 1, device=device)
            fake = netG(noise)
            label.fill_(fake_label)
            output = netD(fake.detach())
            errD_fake = criterion(output, label)
            errD_fake.backward()
            D_G_z1 = output.mean().item()
            errD = errD_real + errD_fake
            optimizerD.step()

            # (2) Update G: maximize log(D(G(z)))
            netG.zero_grad()
            label.fill_(real_label)
            output = netD(fake)
            errG = criterion(output, label)
            errG.backward()
            D_G_z2 = output.mean().item()
            optimizerG.step()

            print(f"[{epoch}/{opt.niter}][{i}/{len(dataloader)}] Loss_D: {errD.item():.4f} Loss_G: {errG.item():.4f} "
                  f"D(x): {D_x:.4f} D(G(z)): {D_G_z1:.4f} / {D_G_z2:.4f}", flush=True)
            if i % 100 == 0:
                vutils.save_image(real_cpu, f"{outf}/real_samples.png", normalize=True)
                fake = netG(fixed_noise)
                vutils.save_image(fake.detach(), f"{outf}/fake_samples_epoch_{epoch:03d}.png", normalize=True)
            iterations += 1
            first_step_done = first_step_done or time.perf_counter()
            if opt.seconds is not None and time.perf_counter() - PROGRAM_START >= opt.seconds:
                out_of_time = True
                break
        if out_of_time:
            break
        torch.save(netG.state_dict(), f"{outf}/netG_epoch_{epoch}.pth")
        torch.save(netD.state_dict(), f"{outf}/netD_epoch_{epoch}.pth")

    end = time.perf_counter()
    print(json.dumps({"program": "reference", "steps": iterations, "images": iterations * opt.batchSize,
                      "seconds": round(end - PROGRAM_START, 3), "setup_seconds": round(loop_start - PROGRAM_START, 3),
                      "first_step_at": round((first_step_done or end) - PROGRAM_START, 3)}), flush=True)


if __name__ == "__main__":
    main()
