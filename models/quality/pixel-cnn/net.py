"""The pixel network: a small convolutional net on the model's 640x480 input.

A 4x4 stride-4 stem (it can learn the fine high-pass filters blur and noise are read from,
at a sixteenth of a full-resolution 3x3 layer's cost), four 3x3 blocks down to a 20x15 grid,
then the mean and the max over the frame (a defect may fill the frame or sit in one corner)
and one logit per defect. Width and depth were fixed by what trains in under an hour on this
machine's two cores (see build.ts), before any figure of the network was read.
"""
import torch
import torch.nn as nn

DEFECTS = ["motion_blur", "defocus", "underexposure", "overexposure", "glare", "noise", "obstruction"]
HEIGHT, WIDTH = 480, 640


def block(cin: int, cout: int, stride: int, kernel: int = 3, pad: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, kernel, stride, pad, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class PixelNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            block(3, 24, 4, 4, 0),  # 160x120
            block(24, 32, 2),  # 80x60
            block(32, 48, 2),  # 40x30
            block(48, 64, 2),  # 20x15
            block(64, 64, 1),
        )
        self.head = nn.Linear(128, len(DEFECTS))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: N x 3 x 480 x 640, sRGB scaled to -0.5..0.5. Returns N x 7 logits."""
        h = self.features(x)
        return self.head(torch.cat([h.mean((2, 3)), h.amax((2, 3))], 1))


def to_input(rgb_nhwc_uint8: torch.Tensor) -> torch.Tensor:
    """N x 480 x 640 x 3 uint8 (the server's layout) to the network's input."""
    return rgb_nhwc_uint8.permute(0, 3, 1, 2).float() / 255.0 - 0.5
