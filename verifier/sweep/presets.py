"""Ready-made sweeps, written as the TOML specs they are (``verifier sweep --preset NAME --print-spec``).

* ``fig1``: the paper's Figure 1 protocol (Section 4) on MNIST, FashionMNIST, CIFAR-10 and SVHN read from
  their standard files (``--data-dir DIR``; verifier.sweep.loaders).
* ``fig1-digits``: the same protocol on the embedded 8x8 digits (scikit-learn), sized to run in minutes on
  two cores.
* ``tightness``: the critical-width study on digits and synthetic data: success probabilities over seeds,
  m*(n), its exponents, the empirical hidden constants.
"""
from __future__ import annotations

import tomllib

from .spec import SpecError, SweepSpec, parse_spec

__all__ = ["PRESETS", "preset_text", "preset_spec"]

_FIG1_NOTE = """\
# The paper's Figure 1 protocol (Sec. 4): classes 0 and 1, 500 random samples per class for training and 500 per
# class for testing, images as 28 x 28 grayscale, unit rows (A2; parallel samples perturbed), the A1
# initialization, full-batch gradient descent with a fixed step size for 1000 epochs, m in {500, 1000, 2000, 4000}.
# Not stated in the paper, chosen here: gamma = 0.1 (Figure 1's operator-norm axis, 0.198-0.199, is
# (gamma/sqrt(m))||A(k)|| with ||A(0)||/sqrt(m) ~ 2), the step size 1/lambda_max(H(0)) ('auto', fixed over the
# epochs), labels class 0 -> -1 and class 1 -> +1, seed 0, the grayscale/resize filter (Pillow: ITU-R 601-2 luma,
# bilinear), the loss normalization and log base of the plots (shown: log10 of the loss per sample).
"""

PRESETS = {
    "fig1": ("The paper's Figure 1 on MNIST, FashionMNIST, CIFAR-10, SVHN (needs --data-dir; hours per dataset "
             "on a CPU)", _FIG1_NOTE + """\
data = ["mnist", "fashion-mnist", "cifar10", "svhn"]
n = 1000
width = [500, 1000, 2000, 4000]
steps = 1000
gamma = 0.1
step_size = "auto"
seed = 0
ntk_every = 0
checkpoint_every = 100
mode = "train"

[sweep]
name = "fig1"
classes = [0, 1]
stratify = "equal"
test_n = 1000
test_every = 10
"""),
    "fig1-digits": ("Figure 1's protocol on the embedded digits: n = 200 (100 per class), the other 160 samples as "
                    "the test set, m/n in {1/2, 1, 2, 4} as in the paper, 1000 GD steps (minutes on 2 cores)",
                    _FIG1_NOTE.replace("# The paper's Figure 1 protocol", "# Figure 1's protocol on the embedded "
                                       "digits (scikit-learn's 8x8 digits 0 and 1: 360 samples, d = 64);\n# the "
                                       "paper's") + """\
# Scaled to the 360 samples: n = 200 (100 per class) and the remaining 160 as the test set; m/n in
# {1/2, 1, 2, 4} as in the paper (there n = 1000, m in {500, ..., 4000}).
data = "digits"
n = 200
width = [100, 200, 400, 800]
steps = 1000
gamma = 0.1
step_size = "auto"
seed = 0
ntk_every = 0
checkpoint_every = 100
mode = "train"

[sweep]
name = "fig1-digits"
stratify = "equal"
test_n = "rest"
test_every = 10
"""),
    "tightness": ("Critical widths m*(n) on synthetic data and digits: probabilities over 20 seeds, exponents, "
                  "empirical hidden constants (980 cells; about 40 minutes on 2 cores)", """\
# How large must m be in practice, how does that grow with n and lambda0, and how conservative is each printed
# width? Twenty initializations per (data, n, m), widths a factor 2 apart; nested stratified subsamples.
seed = {range = [0, 20]}
gamma = 0.1
step_size = "auto"
ntk_every = 0
checkpoint_every = 0

# training on synthetic data with d = 64 >= n (lambda0 ~ 0.08-0.26): linear convergence at level 1e-4 within
# 200 GD steps, L3.6's conclusions (i: lambda_min(G(k)) >= lambda0/2 needs m in the hundreds) and T3.2's rate
[[grid]]
mode = "train"
data = "synthetic:n=400,d=64,seed=0"
n = [8, 16, 32, 64]
width = [8, 16, 32, 64, 128, 256]
steps = 200

[[grid]]
mode = "train"
data = "synthetic:n=400,d=64,seed=0"
n = 64
width = 512
steps = 200

# training on the digits (lambda0 ~ 4e-3 to 9e-3, a badly conditioned NTK): where L3.6 (i) sets in
[[grid]]
mode = "train"
data = "digits"
n = [8, 16, 32]
width = [32, 64, 128, 256]
steps = 200

# initialization only: L3.3's event ||G(0) - G_inf|| <= lambda0/4, which needs thousands of units already at n = 3
[[grid]]
mode = "init"
data = "synthetic:n=400,d=64,seed=0"
n = [2, 3, 4]
width = [512, 1024, 2048, 4096]

[sweep]
name = "tightness"
target_fraction = 1e-4
confidence = 0.95
"""),
}


def preset_text(name: str) -> str:
    if name not in PRESETS:
        raise SpecError(f"unknown preset '{name}' (known: {', '.join(PRESETS)})")
    return PRESETS[name][1]


def preset_spec(name: str, *, data_dir: str | None = None) -> SweepSpec:
    """The preset as a SweepSpec (`data_dir`: the folder of the standard datasets' files, for fig1)."""
    return parse_spec(tomllib.loads(preset_text(name)), f"preset {name}", data_dir=data_dir)
