"""Writes the pixel model as one ONNX graph with the server's contract: input "rgb"
(1 x 480 x 640 x 3 uint8, NHWC sRGB), output "scores" (1 x 8: the seven defects' probabilities
in DEFECTS order, then "overall", over 0.5 exactly when some defect is over its threshold,
as build-model.ts does for the feature model). The two networks' logits are averaged.

  /usr/bin/python3 models/quality/pixel-cnn/export.py OUT_DIR THRESHOLDS_JSON
"""
import json
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
from net import DEFECTS, HEIGHT, WIDTH, PixelNet, to_input  # noqa: E402


class Exported(torch.nn.Module):
    def __init__(self, nets, thresholds):
        super().__init__()
        self.nets = torch.nn.ModuleList(nets)
        t = torch.tensor([thresholds[d] for d in DEFECTS]).clamp(1e-6, 1 - 1e-6)
        self.register_buffer("logit_t", torch.log(t / (1 - t)))

    def forward(self, rgb):
        x = to_input(rgb)
        logits = torch.stack([n(x) for n in self.nets]).mean(0)
        overall = torch.sigmoid((logits - self.logit_t).amax(1, keepdim=True))
        return torch.cat([torch.sigmoid(logits), overall], 1)


def main():
    out_dir, thresholds_file = sys.argv[1], sys.argv[2]
    torch.manual_seed(0)
    nets = []
    for half in (0, 1):
        n = PixelNet()
        n.load_state_dict(torch.load(os.path.join(out_dir, f"net-{half}.pt")))
        n.eval()
        nets.append(n)
    model = Exported(nets, json.load(open(thresholds_file))).eval()
    dummy = torch.zeros(1, HEIGHT, WIDTH, 3, dtype=torch.uint8)
    torch.onnx.export(model, dummy, os.path.join(out_dir, "model.onnx"), input_names=["rgb"], output_names=["scores"], opset_version=13, do_constant_folding=True)
    # A check the TypeScript side repeats with onnxruntime: these inputs' scores.
    probes = []
    for mul, add in ((37, 0), (5, 20), (0, 128)):
        flat = (torch.arange(HEIGHT * WIDTH * 3) * mul + add) % 256
        with torch.no_grad():
            probes.append({"mul": mul, "add": add, "scores": model(flat.to(torch.uint8).reshape(1, HEIGHT, WIDTH, 3))[0].tolist()})
    json.dump(probes, open(os.path.join(out_dir, "probes.json"), "w"))
    print(f"wrote {os.path.join(out_dir, 'model.onnx')}")


if __name__ == "__main__":
    main()
