"""The ResNet generator of CycleGAN (Johnson et al. 2016; Zhu et al. 2017, appendix 7.2):
c7s1-64, d128, d256, 6 or 9 residual blocks, u128, u64, c7s1-out, with reflection padding."""

from __future__ import annotations

from torch import Tensor, nn

from ganforge.models.translation_parts import NORMS, init_weights, norm_has_bias


class ResidualBlock(nn.Module):
    def __init__(self, channels: int, norm: str, dropout: bool):
        super().__init__()
        bias = norm_has_bias(norm)
        layers = [nn.ReflectionPad2d(1), nn.Conv2d(channels, channels, 3, bias=bias), NORMS[norm](channels), nn.ReLU(True)]
        if dropout:
            layers.append(nn.Dropout(0.5))
        layers += [nn.ReflectionPad2d(1), nn.Conv2d(channels, channels, 3, bias=bias), NORMS[norm](channels)]
        self.block = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return x + self.block(x)


class ResnetGenerator(nn.Module):
    """[N, in, H, W] -> [N, out, H, W] in [-1, 1]; H and W multiples of 4."""

    multiple = 4  # two stride-2 downsamplings

    def __init__(self, in_channels: int, out_channels: int, blocks: int = 9, width: int = 64,
                 norm: str = "instance", dropout: bool = False):
        super().__init__()
        self.in_channels, self.out_channels = in_channels, out_channels
        bias = norm_has_bias(norm)
        layers = [nn.ReflectionPad2d(3), nn.Conv2d(in_channels, width, 7, bias=bias), NORMS[norm](width), nn.ReLU(True)]
        for k in range(2):
            channels = width * 2**k
            layers += [nn.Conv2d(channels, channels * 2, 3, 2, 1, bias=bias), NORMS[norm](channels * 2), nn.ReLU(True)]
        layers += [ResidualBlock(width * 4, norm, dropout) for _ in range(blocks)]
        for k in (2, 1):
            channels = width * 2**k
            layers += [
                nn.ConvTranspose2d(channels, channels // 2, 3, 2, 1, output_padding=1, bias=bias),
                NORMS[norm](channels // 2),
                nn.ReLU(True),
            ]
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(width, out_channels, 7), nn.Tanh()]
        self.model = nn.Sequential(*layers)
        init_weights(self)

    def forward(self, x: Tensor) -> Tensor:
        return self.model(x)
