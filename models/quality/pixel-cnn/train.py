"""Trains the pixel network on the rendered training samples (render-pixels.ts), two networks,
each on the photographs of one half of the heads' folds (fold % 2), each scoring the other half:
those out-of-fold scores choose the thresholds (thresholds.ts, the committed rule), and the
exported model averages the two networks' logits (export.py).

  /usr/bin/python3 models/quality/pixel-cnn/train.py CACHE_DIR OUT_DIR

Deterministic: fixed seeds, two threads, torch's deterministic algorithms.
"""
import glob
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from net import DEFECTS, HEIGHT, WIDTH, PixelNet, to_input  # noqa: E402

SEED = 20261122
EPOCHS = 16
BATCH = 16
LR = 3e-3
WEIGHT_DECAY = 1e-4
THREADS = 2


def load(cache: str):
    index = []
    for f in sorted(glob.glob(os.path.join(cache, "index-*-of-*.json"))):
        index += json.load(open(f))
    index.sort(key=lambda s: (s["sourceId"], s["k"]))
    pixels = np.empty((len(index), HEIGHT, WIDTH, 3), dtype=np.uint8)
    for i, s in enumerate(index):
        pixels[i] = np.fromfile(os.path.join(cache, s["file"]), dtype=np.uint8).reshape(HEIGHT, WIDTH, 3)
    labels = np.array([[(-1 if s["labels"][d] is None else s["labels"][d]) for d in DEFECTS] for s in index], dtype=np.float32)
    return index, torch.from_numpy(pixels), torch.from_numpy(labels)


def train_one(pixels, labels, rows, seed, log):
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    net = PixelNet()
    known = labels[rows] >= 0
    pos = ((labels[rows] == 1) & known).sum(0).float()
    neg = ((labels[rows] == 0) & known).sum(0).float()
    # As the heads (heads.ts): positives weighted by sqrt(neg/pos), at most 4.
    pos_weight = torch.where(pos > 0, torch.clamp(torch.sqrt(neg / pos.clamp(min=1)), max=4.0), torch.ones_like(pos))
    opt = torch.optim.Adam(net.parameters(), lr=LR, weight_decay=WEIGHT_DECAY)
    steps = EPOCHS * math.ceil(len(rows) / BATCH)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 0.5 * (1 + math.cos(math.pi * min(s, steps) / steps)))
    rows_t = torch.tensor(rows)
    t0 = time.time()
    for epoch in range(EPOCHS):
        net.train()
        order = rows_t[torch.randperm(len(rows), generator=gen)]
        total = 0.0
        for b in range(0, len(order), BATCH):
            idx = order[b:b + BATCH]
            x = to_input(pixels[idx])
            # Mirroring left-right changes no defect.
            flip = torch.rand(len(idx), generator=gen) < 0.5
            x[flip] = x[flip].flip(3)
            y = labels[idx]
            mask = (y >= 0).float()
            loss = F.binary_cross_entropy_with_logits(net(x), y.clamp(min=0), pos_weight=pos_weight, reduction="none")
            loss = (loss * mask).sum() / mask.sum().clamp(min=1)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
        log(f"epoch {epoch + 1}/{EPOCHS} loss {total / len(rows):.4f} ({time.time() - t0:.0f} s)")
    net.eval()
    return net


@torch.no_grad()
def predict(net, pixels, rows):
    out = []
    for b in range(0, len(rows), 32):
        out.append(torch.sigmoid(net(to_input(pixels[rows[b:b + 32]]))))
    return torch.cat(out)


def main():
    cache, out_dir = sys.argv[1], sys.argv[2]
    torch.set_num_threads(THREADS)
    torch.use_deterministic_algorithms(True)
    os.makedirs(out_dir, exist_ok=True)
    t0 = time.time()
    log = lambda m: print(f"[{time.time() - t0:.0f}s] {m}", flush=True)
    index, pixels, labels = load(cache)
    log(f"{len(index)} samples from {len({s['sourceId'] for s in index})} photographs")
    oof = torch.zeros(len(index), len(DEFECTS))
    for half in (0, 1):
        train_rows = [i for i, s in enumerate(index) if s["fold"] % 2 != half]
        held = [i for i, s in enumerate(index) if s["fold"] % 2 == half]
        log(f"network {half}: trained on {len(train_rows)} samples, scores {len(held)}")
        net = train_one(pixels, labels, train_rows, SEED + half, log)
        oof[held] = predict(net, pixels, held)
        torch.save(net.state_dict(), os.path.join(out_dir, f"net-{half}.pt"))
    json.dump(
        {
            "samples": [{"sourceId": s["sourceId"], "k": s["k"]} for s in index],
            "scores": oof.tolist(),
            "training": {"seed": SEED, "epochs": EPOCHS, "batch": BATCH, "learningRate": LR, "weightDecay": WEIGHT_DECAY, "threads": THREADS, "seconds": round(time.time() - t0)},
        },
        open(os.path.join(out_dir, "oof.json"), "w"),
    )
    log("wrote the two networks and their out-of-fold scores")


if __name__ == "__main__":
    main()
