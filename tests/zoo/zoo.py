"""The model zoo's table, shared by the tests in tests/zoo/ (not a test itself).

Each entry is a model in models/ that tools/lgc_export.py produced from
torchvision (0.14): how it was exported, its input shape, and the numbers
`lgc check` must print for it. `params` is torchvision's own parameter count
(the `num_params` of its ImageNet weights' metadata); `lgc check` counts
BatchNorm's running_mean and running_var as parameters too, so its total is
params + bn_stats. `gmacs` is the GFLOPS figure in torchvision's model table
(it counts multiply-accumulates), which lgc's exact MAC total must round to.
"""

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODELS = os.path.join(ROOT, "models")
EXPORTER = os.path.join(ROOT, "tools", "lgc_export.py")

# name: (torchvision builder kwargs, input shape, params, bn_stats, lgc MACs, torchvision GFLOPS)
ZOO = {
    "vgg11":         ({}, [1, 3, 224, 224], 132_863_336, 0, 7_609_090_048, 7.61),
    "vgg16":         ({}, [1, 3, 224, 224], 138_357_544, 0, 15_470_264_320, 15.47),
    "resnet50":      ({}, [1, 3, 224, 224], 25_557_032, 53_120, 4_089_184_256, 4.09),
    "mobilenet_v2":  ({}, [1, 3, 224, 224], 3_504_872, 34_112, 300_774_272, 0.30),
    "squeezenet1_0": ({}, [1, 3, 224, 224], 1_248_424, 0, 818_924_576, 0.82),
    "squeezenet1_1": ({}, [1, 3, 224, 224], 1_235_496, 0, 349_151_936, 0.35),
    "googlenet":     ({}, [1, 3, 224, 224], 6_624_904, 14_560, 1_498_376_192, 1.50),
}

# The hand-written torchvision models already in models/ (checked the same way).
HANDWRITTEN = {
    "alexnet":  ({}, [1, 3, 224, 224], 61_100_840, 0, 714_188_480, 0.71),
    "resnet18": ({}, [1, 3, 224, 224], 11_689_512, 9_600, 1_814_073_344, 1.81),
}

SKIP = 77  # ctest's SKIP_RETURN_CODE


def import_torch(test):
    """Imports torch and torchvision, or exits 77 (skipped) with a clear message."""
    try:
        import numpy  # noqa: F401
        import torch
        import torchvision  # noqa: F401
    except ImportError as e:
        print(f"{test}: skipped: {e} (needs python3-torch and python3-torchvision)")
        sys.exit(SKIP)
    torch.set_num_threads(2)
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    import lgc_export
    return lgc_export


def body(text):
    """A model file's lines without comments (headers record commands and versions)."""
    return [line for line in text.splitlines() if not line.lstrip().startswith("#")]


def random_torchvision_model(lgc_export, name, kwargs, seed):
    """torchvision's network `name` with fast seeded random weights, in eval mode.

    torchvision's own initialisation (normal and truncated-normal draws over up
    to 138M parameters, twice for Linear layers) dominates a VGG export on a
    busy machine; the tests need no particular distribution, only a seeded one
    that keeps activations at a sensible scale. So construction runs with
    torch.nn.init's functions as no-ops, then every Conv2d/Linear weight is
    drawn uniform with He's variance 2/fan_in (the scale survives ReLU layers),
    biases uniform(-0.1, 0.1), and BatchNorm is randomised as the exporter does.
    """
    import math
    import torch
    import torch.nn as nn
    names = [n for n in dir(nn.init) if n.endswith("_") and not n.startswith("_")]
    saved = {n: getattr(nn.init, n) for n in names}
    try:
        for n in names:
            setattr(nn.init, n, lambda tensor, *args, **kw: tensor)
        module, _ = lgc_export.build_module(name, dict(kwargs), seed)
    finally:
        for n, f in saved.items():
            setattr(nn.init, n, f)
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        covered = set()
        for m in module.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                bound = math.sqrt(6.0 / m.weight[0].numel())
                m.weight.uniform_(-bound, bound, generator=gen)
                covered.add(m.weight)
        for p in module.parameters():  # biases, and anything else: small values
            if p not in covered:
                p.uniform_(-0.1, 0.1, generator=gen)
    lgc_export.randomise_batchnorm(module, seed)
    return module.eval()
