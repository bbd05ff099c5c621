"""Small modules for tests/zoo/exporter_errors.py's command-line cases (FILE.py:NAME)."""
import torch.nn as nn


class ConvTransposeNet(nn.Module):
    """A convolution, then a transposed convolution (which lgc does not have)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.up = nn.ConvTranspose2d(4, 2, 2, stride=2)

    def forward(self, x):
        return self.up(self.conv(x))


def small_cnn(width=4):
    """A supported model, built by a function with a keyword argument."""
    return nn.Sequential(nn.Conv2d(3, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU(),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(width, 5))
