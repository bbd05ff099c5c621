#!/usr/bin/python3
"""Train the small digit classifier that ships in models/ (issue 5, item 3).

    /usr/bin/python3 tools/train_digits.py

needs Debian's python3-torch and python3-sklearn (not needed to build or test
lgc: the outputs are committed). Run from anywhere; it writes, relative to the
repository root:

    models/digits.yaml           the network (SPEC section 1), with a comment header
    models/digits.safetensors    its weights: the PyTorch state_dict itself
    models/digits.labels         "0".."9", one per line
    models/digits_samples/       digit_<d>.npy and digit_<d>.png: one held-out
                                 test image per digit, exactly the model's input

Data: scikit-learn's bundled copy of the UCI handwritten digits
(sklearn.datasets.load_digits): 1797 images of 8x8 pixels, values 0..16 where
0 is the background and 16 full ink. Each image is scaled to [0, 1] (value/16),
upsampled to 16x16 (bilinear, align_corners=False) and quantised to multiples
of 1/255, so that an 8-bit PNG holds it exactly. Light digit on a dark
background: 0 = black background, 1 = white ink.

Split: stratified 80/20 (train_test_split, random_state=0): 1437 training and
360 test images; the test images are never used for training or for choosing
anything but the samples. Training: Adam, cross-entropy on the logits (the
network minus its final Softmax), random shifts of up to 1 pixel, fixed seeds,
one thread, deterministic algorithms: the same run gives the same bytes.

The samples are, for each digit, the first test image of that digit (in test
order) that the trained model classifies correctly; the script prints whether
any had to be skipped.
"""
import collections
import json
import os
import struct
import sys
import zlib

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools", "python"))
from lgc.safetensors_io import write_safetensors  # noqa: E402
MODELS = os.path.join(ROOT, "models")
SAMPLES = os.path.join(MODELS, "digits_samples")

SIZE = 16          # model input: 1 x 1 x SIZE x SIZE
SEED = 0
EPOCHS = 40
BATCH = 32
LR = 2e-3


def layers():
    """(name, op, YAML parameters, torch module) in order: the one source of
    truth for both the PyTorch module and the YAML file."""
    def conv(cin, cout):
        return ("Conv2d", {"in_channels": cin, "out_channels": cout, "kernel_size": 3, "padding": 1},
                nn.Conv2d(cin, cout, 3, padding=1))

    def bn(c):
        return ("BatchNorm2d", {"num_features": c}, nn.BatchNorm2d(c))

    relu = lambda: ("ReLU", {}, nn.ReLU())
    pool = lambda: ("MaxPool2d", {"kernel_size": 2}, nn.MaxPool2d(2))
    spec = [
        ("conv1",) + conv(1, 16), ("bn1",) + bn(16), ("relu1",) + relu(), ("pool1",) + pool(),   # 8x8
        ("conv2",) + conv(16, 32), ("bn2",) + bn(32), ("relu2",) + relu(), ("pool2",) + pool(),  # 4x4
        ("conv3",) + conv(32, 64), ("bn3",) + bn(64), ("relu3",) + relu(), ("pool3",) + pool(),  # 2x2
        ("flatten", "Flatten", {}, nn.Flatten()),
        ("dropout", "Dropout", {"p": 0.25}, nn.Dropout(0.25)),
        ("fc", "Linear", {"in_features": 64 * 2 * 2, "out_features": 10}, nn.Linear(256, 10)),
        ("softmax", "Softmax", {"dim": 1}, nn.Softmax(dim=1)),
    ]
    return spec


def prepare(images):
    """[N, 8, 8] values 0..16 -> float32 [N, 1, SIZE, SIZE] in [0, 1], multiples of 1/255."""
    x = torch.from_numpy(images.astype(np.float32) / 16.0).unsqueeze(1)
    if SIZE != 8:
        x = F.interpolate(x, size=(SIZE, SIZE), mode="bilinear", align_corners=False)
    x = torch.round(x.clamp(0, 1) * 255.0) / 255.0
    return x.contiguous()


def shift(x, gen):
    """Shift each image by -1..1 pixels in each direction (zero fill)."""
    n = x.shape[0]
    padded = F.pad(x, (1, 1, 1, 1))
    dy = torch.randint(0, 3, (n,), generator=gen)
    dx = torch.randint(0, 3, (n,), generator=gen)
    out = torch.empty_like(x)
    for i in range(n):
        out[i] = padded[i, :, dy[i]:dy[i] + SIZE, dx[i]:dx[i] + SIZE]
    return out


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def write_png(path, pixels):
    """8-bit grayscale PNG (colour type 0), filter 0 on every row; python standard library only."""
    h, w = pixels.shape
    raw = b"".join(b"\x00" + bytes(int(v) for v in row) for row in pixels)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)))
        f.write(png_chunk(b"IDAT", zlib.compress(raw, 9)))
        f.write(png_chunk(b"IEND", b""))


def read_png(path):
    """Decode what write_png writes (a self-check): returns uint8 [h, w]."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, w, h = 8, b"", 0, 0
    while pos < len(data):
        (n,), kind = struct.unpack(">I", data[pos:pos + 4]), data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and colour == 0
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    rows = [raw[r * (w + 1):(r + 1) * (w + 1)] for r in range(h)]
    assert all(row[0] == 0 for row in rows)
    return np.array([list(row[1:]) for row in rows], dtype=np.uint8)


def yaml_text(spec, accuracy, correct, n_train, n_test, n_params, n_values):
    def value(v):
        return json.dumps(v) if isinstance(v, (list, str)) else str(v)

    width = max(len(name) for name, *_ in spec) + 1
    lines = [
        "# Handwritten digit classifier, trained by tools/train_digits.py (run it with",
        "# /usr/bin/python3; needs python3-torch and python3-sklearn) on scikit-learn's copy of the",
        "# UCI handwritten digits (sklearn.datasets.load_digits: 8x8 images, values 0..16).",
        f"# Input 'image': 1 x 1 x {SIZE} x {SIZE}, one grey-scale image in [0, 1], light digit on a dark",
        "# background (0 = black background, 1 = white ink): the 8x8 image divided by 16, upsampled",
        f"# to {SIZE}x{SIZE} (bilinear, align_corners=False). models/digits_samples/ holds held-out examples",
        "# (.npy and the same pixels as 8-bit PNG).",
        "# Output 'softmax': 1 x 10 probabilities of the digits 0..9 (labels: models/digits.labels).",
        f"# Training: stratified 80/20 split (seed 0), {n_train} training images, Adam, {EPOCHS} epochs,",
        f"# shifts of up to 1 pixel. Test accuracy: {accuracy:.2f}% ({correct}/{n_test} held-out images).",
        f"# {n_params:,} trained parameters ({n_values:,} values with BatchNorm's running statistics);",
        "# weights: models/digits.safetensors (the PyTorch state_dict, num_batches_tracked dropped).",
        "model: digits",
        "inputs:",
        f"  image: [1, 1, {SIZE}, {SIZE}]",
        "layers:",
    ]
    for name, op, params, _ in spec:
        fields = [f"name: {name},".ljust(width + 6), f"op: {op}"]
        fields += [f"{k}: {value(v)}" for k, v in params.items()]
        lines.append("  - {" + " ".join(fields[:1]) + " " + ", ".join(fields[1:]) + "}")
    lines.append("outputs: [softmax]")
    return "\n".join(lines) + "\n"


def load_split():
    """(x_train, y_train, x_test, y_test, train_idx, test_idx): the stratified 80/20 split."""
    digits = load_digits()
    idx = np.arange(len(digits.target))
    train_idx, test_idx = train_test_split(idx, test_size=0.2, stratify=digits.target, random_state=SEED)
    x_all = prepare(digits.images)
    y_all = torch.from_numpy(digits.target.astype(np.int64))
    return x_all[train_idx], y_all[train_idx], x_all[test_idx], y_all[test_idx], train_idx, test_idx


def train(model, x_train, y_train, x_test, y_test):
    """Adam on the logits (the model minus its Softmax), random 1-pixel shifts, EPOCHS epochs."""
    logits = model[:-1]  # everything but the final Softmax
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=EPOCHS)
    gen = torch.Generator().manual_seed(SEED)
    for epoch in range(EPOCHS):
        model.train()
        order = torch.randperm(len(x_train), generator=gen)
        total = 0.0
        for start in range(0, len(order), BATCH):
            b = order[start:start + BATCH]
            xb = shift(x_train[b], gen)
            loss = F.cross_entropy(logits(xb), y_train[b])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(b)
        sched.step()
        if epoch % 10 == 9 or epoch == EPOCHS - 1:
            model.eval()
            with torch.no_grad():
                acc = (model(x_test).argmax(1) == y_test).float().mean().item() * 100
            print(f"epoch {epoch + 1:3d}  loss {total / len(x_train):.4f}  test accuracy {acc:.2f}%")
    model.eval()


def write_samples(model, x_test, y_test, pred, test_idx):
    """For each digit, the first correctly classified test image as .npy and .png."""
    for d in range(10):
        skipped = 0
        for i in range(len(y_test)):
            if int(y_test[i]) != d:
                continue
            if int(pred[i]) != d:
                skipped += 1
                continue
            x = x_test[i:i + 1].numpy().astype(np.float32)
            np.save(os.path.join(SAMPLES, f"digit_{d}.npy"), x)
            pixels = np.round(x[0, 0] * 255.0).astype(np.uint8)
            png = os.path.join(SAMPLES, f"digit_{d}.png")
            write_png(png, pixels)
            back = read_png(png).astype(np.float32) / 255.0
            assert np.abs(back - x[0, 0]).max() <= 1e-6, "PNG does not round-trip"
            with torch.no_grad():
                p = model(torch.from_numpy(back[None, None]))
            top = int(p.argmax())
            assert top == d, f"PNG of digit {d} classified as {top}"
            note = f" ({skipped} misclassified test image(s) of this digit skipped)" if skipped else ""
            print(f"sample digit_{d}: dataset image {int(test_idx[i])}, p({d}) = {float(p[0, d]):.6f}{note}")
            break


def main():
    torch.manual_seed(SEED)
    np.random.seed(SEED)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)

    x_train, y_train, x_test, y_test, train_idx, test_idx = load_split()
    spec = layers()
    model = nn.Sequential(collections.OrderedDict((name, module) for name, _, _, module in spec))
    train(model, x_train, y_train, x_test, y_test)

    with torch.no_grad():
        probs = model(x_test)
        train_acc = (model(x_train).argmax(1) == y_train).float().mean().item() * 100
    pred = probs.argmax(1)
    correct = int((pred == y_test).sum())
    accuracy = 100.0 * correct / len(y_test)
    print(f"train accuracy {train_acc:.2f}%; test accuracy {accuracy:.2f}% ({correct}/{len(y_test)})")
    wrong = [(int(test_idx[i]), int(y_test[i]), int(pred[i])) for i in range(len(y_test)) if pred[i] != y_test[i]]
    for i, true, got in wrong:
        print(f"  misclassified: dataset image {i}, digit {true}, predicted {got}")

    state = collections.OrderedDict(
        (k, v) for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked"))
    n_params = sum(v.numel() for k, v in state.items() if not k.endswith(("running_mean", "running_var")))
    n_values = sum(v.numel() for v in state.values())
    os.makedirs(SAMPLES, exist_ok=True)
    write_safetensors(os.path.join(MODELS, "digits.safetensors"), state)
    with open(os.path.join(MODELS, "digits.yaml"), "w") as f:
        f.write(yaml_text(spec, accuracy, correct, len(train_idx), len(test_idx), n_params, n_values))
    with open(os.path.join(MODELS, "digits.labels"), "w") as f:
        f.write("".join(f"{d}\n" for d in range(10)))
    write_samples(model, x_test, y_test, pred, test_idx)

    size = os.path.getsize(os.path.join(MODELS, "digits.safetensors"))
    print(f"wrote models/digits.yaml, models/digits.safetensors ({size:,} bytes, {n_params:,} parameters), "
          f"models/digits.labels, models/digits_samples/ (10 .npy + 10 .png)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
