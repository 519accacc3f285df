"""Engine benchmark: one GD step of the IFT engine against baselines measured in the same run.

Run on demand from the repository root::

    python benchmarks/bench_engine.py                 # full CPU run (a few minutes on 2 cores)
    python benchmarks/bench_engine.py --quick         # smoke test, < 60 s on 2 cores
    python benchmarks/bench_engine.py --device cuda   # paper scale n=1000, d=784, m=4000 (needs a GPU)
    python benchmarks/bench_engine.py --threads 1     # one BLAS thread: stable numbers on a shared machine
    python benchmarks/bench_engine.py --paper         # [mp] also at the paper's scale on the CPU (~10 s per step)
    python benchmarks/bench_engine.py --skip rec,scaling,mp,torchdeq   # leave sections / the torchdeq peer out

Optional peer: torchdeq (``pip install -e '.[bench]'``). Without it the [1+2] tables leave its row out and
say why; everything else runs.

Every number printed next to a time is a RATIO against a baseline measured in the same process, on the
same device, interleaved round by round with the measured method (so that load from other processes on
a shared machine hits both alike):

* ``speedup`` -- median time of one GD step of the naive baseline / median time of one engine GD step.
  Naive baseline: torch autograd through the unrolled fixed-point iteration, 40 iterations
  ``z^l = relu(gt A z^{l-1} + phi)`` from ``z^0 = 0``, ``loss = 1/2 ||Z u + Phi v - y||^2``,
  ``loss.backward()``, then ``theta <- theta - alpha grad`` (float64). Its gradient differs from the
  exact one by O(q^40), q = gt ||A||_2 ~ 0.2, far below float64 roundoff.
* ``meas/LB`` -- median step time / arithmetic lower bound. The lower bound is the time the step's
  matrix products take at the rate this device reaches on a lone matmul of the same shape, timed
  in the same rounds (``LB = sum over products of the measured median time of that shape``).
* ``LB spdup`` -- naive lower bound / engine lower bound: the speedup the step's matrix-product count alone
  allows (with the iterations the engine actually needed), i.e. the ceiling for ``speedup`` if both ran at
  their lower bounds.
* ``grad rdiff`` -- max over P in (A, W, u, v) of ||grad_P(engine) - grad_P(naive)||_F / ||grad_P(engine)||_F,
  both at the same parameters theta_ref (the first engine's, after its warm-up), the engine with its warm
  starts; on the torchdeq row, torchdeq's gradient against the first engine's (same formula).
* ``vs tdeq`` -- median torchdeq GD step / median step of the row's method. torchdeq peer (optional):
  the same model and GD step with torchdeq's DEQ core (``get_deq``): Anderson forward solve, implicit
  (IFT) backward with its fixed-point backward solver, relative tolerance 1e-13 on both, float64, forward
  warm-started from the previous step; see TorchDEQRunner for how its tolerance maps onto the engine's.
* ``loss rdiff`` -- every method makes LOSS_STEPS = 2 untimed GD steps from theta_ref; the largest relative
  difference of its losses (at theta_ref and one step later) from the first engine's. The line under the
  table prints those losses and whether all methods agree to LOSS_RTOL = 1e-10.

FLOP count used for one engine GD step (matrix products only; with k_f, k_a the iterations of the
forward and adjoint solves of that step, shapes written (rows, inner, cols)):

    features      Phi = relu(X W^T)/sqrt(m)           (n, d, m)   2 n d m
    forward       k_f x  Z (gt A^T)                   (n, m, m)   k_f 2 n m^2
    D             sigma'(pre-activation of the last forward iteration): no product
    adjoint       k_a x  (D o B)(gt A)                (n, m, m)   k_a 2 n m^2
    grad A        gt (r o D o B)^T Z                  (m, n, m)   2 n m^2
    grad W        (r o E o (D o B + v))^T X / sqrt(m) (m, n, d)   2 n m d
    total         (k_f + k_a + 1) 2 n m^2 + 4 n m d   (+ 8 n m for the four matrix-vector products
                  yhat = Z u + Phi v, grad u = Z^T r, grad v = Phi^T r, left out of the bound like the
                  elementwise work, the residual norms, Anderson's inner products and the update).

and for one naive step: features (n, d, m); 40 forward products (n, m, m) (the first one on z^0 = 0);
backward 39 products (n, m, m) for the gradients w.r.t. z^{l-1} (z^0 needs none) and 40 products
(m, n, m) for the gradient w.r.t. gt A^T; grad W (m, n, d):  (79 + 40) 2 n m^2 + 4 n m d.

and for one torchdeq step, with k_f its forward function evaluations (Anderson's first two included)
and k_b its backward iterations: k_f forward, 1 tracked evaluation f(z*), 1 re-evaluation inside the
IFT backward hook, k_b vector-Jacobian products (n, m, m) each, grad (gt A)^T (m, n, m), features and
grad W: (k_f + k_b + 3) 2 n m^2 + 4 n m d.

Sections: [1+2] engine vs naive, vs torchdeq (when installed) and vs the lower bound (numpy
picard/anderson, torch picard/anderson, warm starts, steady state after warm-up steps), with iterations
per solve and the loss check; [rec] the per-step time of
``train_gd`` (which also records spectral norms and eigvalsh of the n x n Gram every step) against the
bare GD step; [3] log-log least-squares slopes of the cost in m and in n with the expected slopes
(2 in m for the matmul-dominated cost, 1 in n); [4] on --device cuda, the paper's scale with peak GPU
memory (torch.cuda.max_memory_allocated); [mp] mixed precision: a float32 Picard phase (forward, then
adjoint) to relative residual 1e-6 (--mp-tol32), then the engine's float64 solves to 1e-13 warm-started
from it, against the float64-only Picard engine on numpy and torch (n=200, d=64, m=1000 on the CPU; with
--paper also n=1000, d=784, m=4000): time ratio mixed/float64, iterations of each phase, loss and gradient
differences at one theta and the final residuals (see MixedRunner). Targets (CPU, n=200,
d=64, m=1000: engine >= 4x naive and >= 5x torchdeq, all losses equal) are checked and printed at the end.

Timing: time.perf_counter around each step, after a device synchronize (torch.cuda.synchronize on CUDA);
median of several repeats after warm-up steps.
"""
from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass, field

import numpy as np

try:  # run from a checkout without installing
    import verifier  # noqa: F401
except ImportError:  # pragma: no cover
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

GAMMA = 0.1
TOL = 1e-13
UNROLL = 40
TDEQ_MAX_ITER = 500      # torchdeq peer: f_max_iter = b_max_iter (the engine's default max_iter)
TDEQ_LAM = 1e-30         # torchdeq peer: Anderson's ridge, --tdeq-lam (torchdeq's default 1e-4 is absolute: see TorchDEQRunner)
TDEQ_B_SOLVER = "fixed_point_iter"   # torchdeq peer: the IFT backward solver (torchdeq's default)
SWITCH_PAUSE = 0.25  # s, untimed, between numpy and torch work (see run_rounds)
SHAPES = ("nmm", "mnm", "ndm", "mnd")  # (rows, inner, cols): (n,m,m) (m,n,m) (n,d,m) (m,n,d)


# ----------------------------------------------------------------------------------------------- problem

@dataclass
class Problem:
    n: int
    d: int
    m: int
    X: np.ndarray
    y: np.ndarray
    p0: object          # verifier.engine.Params (numpy)
    alpha: float = float("nan")
    q0: float = float("nan")


def make_problem(n, d, m, seed=0):
    """Random unit rows (A2), labels = sign of a random linear teacher, A1 initialization."""
    from verifier.engine import init_params
    rng = np.random.default_rng(1000 + seed)
    X = rng.standard_normal((n, d))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    y = np.sign(X @ rng.standard_normal(d))
    y[y == 0] = 1.0
    return Problem(n, d, m, X, y, init_params(m, d, seed))


def step_size_and_q(prob, bk):
    """alpha = 1/lambda_max(H(0)) (the CLI's 'auto' rule) and q0 = gt ||A(0)||_2 (power iteration)."""
    from verifier.engine import evaluate
    from verifier.engine.ntk import ntk_terms
    pb = prob.p0.to(bk)
    Xb, yb = bk.asarray(prob.X), bk.asarray(prob.y)
    ev = evaluate(pb, Xb, yb, GAMMA, bk=bk, tol=TOL)
    H = ntk_terms(ev, Xb, GAMMA, pb.v)["H"]
    prob.alpha = 1.0 / float(bk.eigvalsh(H)[-1])
    v = bk.asarray(np.ones(prob.m) / math.sqrt(prob.m))
    s = 0.0
    for _ in range(60):
        w = pb.A.T @ (pb.A @ v)
        s = bk.norm(w)
        v = w / s
    prob.q0 = GAMMA / math.sqrt(prob.m) * math.sqrt(s)


# ----------------------------------------------------------------------------------------------- runners

class Runner:
    label = "?"
    backend = "torch"       # whose matmul probe gives its lower bound

    def __init__(self):
        self.times: list[float] = []
        self.iters: list[tuple[int, int]] = []

    def median(self):
        return statistics.median(self.times) if self.times else float("nan")

    def spread(self):
        return max(self.times) / min(self.times) if self.times else float("nan")


class EngineRunner(Runner):
    """One GD step = evaluate (warm starts Z0/B0 from the previous step) + the parameter update."""

    def __init__(self, prob, backend, method, device):
        super().__init__()
        from verifier.engine import get_backend
        self.prob, self.method, self.backend = prob, method, backend
        self.label = f"{backend}-{method}"
        self.bk = get_backend(backend, device=device if backend == "torch" else None, dtype="float64")
        self.p = prob.p0.to(self.bk)
        self.X, self.y = self.bk.asarray(prob.X), self.bk.asarray(prob.y)
        self.Z = self.B = None
        self.last_grads = None
        self.last_loss = float("nan")
        self.last_res = (float("nan"), float("nan"))
        self.mem = None

    def step(self, timed=True, keep_grads=False):
        from verifier.engine import Params, evaluate
        bk, p, a = self.bk, self.p, self.prob.alpha
        bk.synchronize()
        t0 = time.perf_counter()
        ev = evaluate(p, self.X, self.y, GAMMA, bk=bk, Z0=self.Z, B0=self.B, method=self.method, tol=TOL)
        g = ev.grads
        self.p = Params(p.A - a * g.A, p.W - a * g.W, p.u - a * g.u, p.v - a * g.v)
        self.Z, self.B = ev.Z, ev.B
        bk.synchronize()
        dt = time.perf_counter() - t0
        if timed:
            self.times.append(dt)
            self.iters.append((ev.forward.iterations, ev.adjoint.iterations))
        self.last_loss = float(ev.loss)
        self.last_res = (ev.forward.residual, ev.adjoint.residual)
        if keep_grads:
            self.last_grads = [bk.to_numpy(x) for x in (g.A, g.W, g.u, g.v)]
        return dt

    def set_params(self, p_np):
        self.p = p_np.to(self.bk)

    def params_numpy(self):
        return self.p.numpy(self.bk)

    def resident_bytes(self):
        return sum(int(x.nbytes) for x in (self.p.A, self.p.W, self.p.u, self.p.v, self.X, self.y, self.Z, self.B)
                   if x is not None)


class NaiveRunner(Runner):
    """torch autograd through UNROLL fixed-point iterations from z^0 = 0, loss.backward(), update."""

    def __init__(self, prob, device):
        super().__init__()
        import torch
        self.torch, self.prob, self.device = torch, prob, device
        self.label = f"naive-unroll{UNROLL}"
        self.backend = "torch"
        kw = {"dtype": torch.float64, "device": device}
        self.X = torch.as_tensor(prob.X, **kw)
        self.y = torch.as_tensor(prob.y, **kw)
        self.set_params(prob.p0)
        self.last_grads = None
        self.last_loss = float("nan")
        self.mem = None

    def set_params(self, p_np):
        torch = self.torch
        self.P = [torch.as_tensor(x, dtype=torch.float64, device=self.device).clone().requires_grad_(True)
                  for x in (p_np.A, p_np.W, p_np.u, p_np.v)]

    def _sync(self):
        if str(self.device).startswith("cuda"):
            self.torch.cuda.synchronize()

    def _loss(self, P):
        torch = self.torch
        A, W, u, v = P
        m = A.shape[0]
        gt = GAMMA / math.sqrt(m)
        Phi = torch.relu(self.X @ W.T) / math.sqrt(m)
        At = (gt * A).T
        Z = torch.zeros_like(Phi)
        for _ in range(UNROLL):
            Z = torch.relu(Z @ At + Phi)
        r = Z @ u + Phi @ v - self.y
        return 0.5 * (r * r).sum()

    def step(self, timed=True, keep_grads=False):
        torch = self.torch
        self._sync()
        t0 = time.perf_counter()
        loss = self._loss(self.P)
        loss.backward()
        a = self.prob.alpha
        if keep_grads:
            self.last_grads = [t.grad.detach().cpu().numpy().copy() for t in self.P]
        with torch.no_grad():
            for t in self.P:
                t -= a * t.grad
                t.grad = None
        self._sync()
        dt = time.perf_counter() - t0
        self.last_loss = float(loss.detach())
        if timed:
            self.times.append(dt)
            self.iters.append((UNROLL, 0))
        return dt

    def resident_bytes(self):
        return sum(int(t.nbytes) for t in [*self.P, self.X, self.y])


def torchdeq_status():
    """(torchdeq version, None) when the optional peer can run, else (None, the reason it is skipped)."""
    try:
        import torchdeq  # noqa: F401
    except ImportError as exc:
        return None, f"torchdeq is not installed ({exc}); pip install -e '.[bench]' adds it"
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("torchdeq"), None
    except PackageNotFoundError:
        return "?", None


class TorchDEQRunner(Runner):
    """The same GD step with torchdeq (optional peer): its Anderson solver forward, its IFT backward.

    ``get_deq(core="sliced", f_solver="anderson", b_solver=TDEQ_B_SOLVER, ift=True)`` with
    ``f_stop_mode = b_stop_mode = "rel"`` and ``f_tol = b_tol = TOL``: torchdeq's relative residual is
    ``||f(z) - z||_2 / (||f(z)||_2 + 1e-9)`` per batch element of the flattened state, so the state is
    Z as one batch element of shape (1, n, m): the norms are Frobenius norms over all of Z, the engine's
    stopping rule (the 1e-9 moves the tolerance by < 1e-9 relative: ||Z||_F ~ sqrt(n/2)).
    ``f_max_iter = b_max_iter = TDEQ_MAX_ITER`` (the engine's max_iter; the solves stop at the tolerance,
    and a solve that ends above it is counted and reported). Anderson's ridge ``lam`` (added to the
    Gram matrix G G^T of the last m = 6 residuals, absolute, torchdeq's default 1e-4) is passed through
    ``solver_kwargs`` (default TDEQ_LAM, --tdeq-lam): once ||g||^2 << lam the default swamps G G^T and
    the mixing becomes plain averaging of the last iterates, slower than Picard (measured at n=200, m=1000:
    38 forward evaluations per warm-started step with 1e-4, 32 with 1e-8, 26 with 1e-12, 14 with 1e-20,
    11 with 1e-30 and with 0, the engine's count). The forward solve is warm-started
    from the previous step's equilibrium (as the engine's); torchdeq's IFT backward solve starts from zero
    (its API has no warm start). Per step: Phi (autograd), the no-grad forward solve (k_f function
    evaluations, Anderson's first two included), one tracked evaluation f(z*) (the IFT hook's graph),
    ``loss.backward()``: one re-evaluation f(z*) inside the hook, k_b vector-Jacobian products of the
    backward fixed-point solve, then grad A^T and grad W through the tracked evaluation; the update.
    """

    def __init__(self, prob, device, lam=TDEQ_LAM):
        super().__init__()
        import torch
        from torchdeq import get_deq
        self.torch, self.prob, self.device = torch, prob, device
        self.label = "torchdeq-anderson"
        self.backend = "torch"
        self.kw = {"dtype": torch.float64, "device": device}
        self.X = torch.as_tensor(prob.X, **self.kw)
        self.y = torch.as_tensor(prob.y, **self.kw)
        self.deq = get_deq(core="sliced", f_solver="anderson", b_solver=TDEQ_B_SOLVER, f_tol=TOL, b_tol=TOL,
                           f_stop_mode="rel", b_stop_mode="rel", f_max_iter=TDEQ_MAX_ITER, b_max_iter=TDEQ_MAX_ITER,
                           ift=True)
        self.solver_kwargs = {"lam": lam}
        self.set_params(prob.p0)
        self.z = None               # warm start of the forward solve: the previous step's equilibrium, (1, n, m)
        self.last_grads = None
        self.last_loss = float("nan")
        self.worst = [0.0, 0.0]     # largest final relative residual seen, forward and backward
        self.unconverged = 0        # solves that ended above TOL
        self.mem = None

    def set_params(self, p_np):
        torch = self.torch
        self.P = [torch.as_tensor(x, **self.kw).clone().requires_grad_(True) for x in (p_np.A, p_np.W, p_np.u, p_np.v)]

    def _sync(self):
        if str(self.device).startswith("cuda"):
            self.torch.cuda.synchronize()

    def _note(self, k, info):
        r = float(info["rel_lowest"].max())
        self.worst[k] = max(self.worst[k], r)
        if not r < TOL:
            self.unconverged += 1
        return int(info["nstep"].max())

    def step(self, timed=True, keep_grads=False):
        torch = self.torch
        A, W, u, v = self.P
        n, m = self.X.shape[0], A.shape[0]
        self._sync()
        t0 = time.perf_counter()
        gt = GAMMA / math.sqrt(m)
        Phi = torch.relu(self.X @ W.T) / math.sqrt(m)
        At = (gt * A).T
        z0 = self.z if self.z is not None else torch.zeros((1, n, m), **self.kw)
        binfo = []
        zs, info = self.deq(lambda z: torch.relu(z @ At + Phi), z0, solver_kwargs=self.solver_kwargs,
                            backward_writer=binfo.append)
        Z = zs[-1][0]
        r = Z @ u + Phi @ v - self.y
        loss = 0.5 * (r * r).sum()
        loss.backward()
        a = self.prob.alpha
        if keep_grads:
            self.last_grads = [t.grad.detach().cpu().numpy().copy() for t in self.P]
        with torch.no_grad():
            for t in self.P:
                t -= a * t.grad
                t.grad = None
        self.z = Z.detach()[None]
        self._sync()
        dt = time.perf_counter() - t0
        self.last_loss = float(loss.detach())
        kf, kb = self._note(0, info), self._note(1, binfo[-1])
        if timed:
            self.times.append(dt)
            self.iters.append((kf, kb))
        return dt

    def resident_bytes(self):
        return sum(int(t.nbytes) for t in [*self.P, self.X, self.y] + ([self.z] if self.z is not None else []))


class MatmulProbe(Runner):
    """Times one lone float64 matmul of each shape the step uses (SHAPES), once per round."""

    def __init__(self, prob, backend, device):
        super().__init__()
        self.backend, self.label = backend, f"{backend}-matmul"
        n, d, m = prob.n, prob.d, prob.m
        rng = np.random.default_rng(7)
        dims = {"nmm": (n, m, m), "mnm": (m, n, m), "ndm": (n, d, m), "mnd": (m, n, d)}
        self.flops = {k: 2.0 * a * b * c for k, (a, b, c) in dims.items()}
        mats = {k: (rng.standard_normal((a, b)), rng.standard_normal((b, c))) for k, (a, b, c) in dims.items()}
        if backend == "torch":
            import torch
            self.torch = torch
            self.mats = {k: tuple(torch.as_tensor(x, dtype=torch.float64, device=device) for x in v)
                         for k, v in mats.items()}
            self.sync = (torch.cuda.synchronize if str(device).startswith("cuda") else (lambda: None))
        else:
            self.mats = mats
            self.sync = lambda: None
        self.shape_times = {k: [] for k in SHAPES}
        self.calls: dict = {}

    def _time(self, k, calls):
        a, b = self.mats[k]
        self.sync()
        t0 = time.perf_counter()
        for _ in range(calls):
            c = a @ b
        self.sync()
        del c
        return (time.perf_counter() - t0) / calls

    def step(self, timed=True):
        """Per shape: one untimed call (threads awake), then `calls` back-to-back calls (>= ~20 ms) timed."""
        for k in SHAPES:
            self._time(k, 1)
            if k not in self.calls:
                self.calls[k] = max(1, min(50, int(math.ceil(0.02 / max(self._time(k, 1), 1e-6)))))
            dt = self._time(k, self.calls[k])
            if timed:
                self.shape_times[k].append(dt)
        return 0.0

    def t(self, k):
        return statistics.median(self.shape_times[k])

    def rate(self, k):
        return self.flops[k] / self.t(k)


def lower_bound_engine(probe, kf, ka):
    return (kf + ka) * probe.t("nmm") + probe.t("mnm") + probe.t("ndm") + probe.t("mnd")


def lower_bound_tdeq(probe, kf, kb):
    """torchdeq's step: k_f + 1 + 1 + k_b products (n, m, m) (see TorchDEQRunner), grad A^T, features, grad W."""
    return (kf + kb + 2) * probe.t("nmm") + probe.t("mnm") + probe.t("ndm") + probe.t("mnd")


def lower_bound_naive(probe):
    return (2 * UNROLL - 1) * probe.t("nmm") + UNROLL * probe.t("mnm") + probe.t("ndm") + probe.t("mnd")


# ----------------------------------------------------------------------------------------------- measuring

def run_rounds(runners, warmups, repeats):
    """Warm up each runner, then `max(repeats)` rounds; in each round every runner still due does one step.

    Runners come grouped by library; before the first step after a switch between numpy and torch the
    run pauses SWITCH_PAUSE s, untimed: the threads of the library just used keep spinning for a while
    after its last call and would otherwise take the cores from the other one (measured here: a torch
    matmul right after a numpy one ran at about half speed on 2 cores).
    """
    last = [None]

    def go(r, timed):
        if last[0] is not None and r.backend != last[0]:
            time.sleep(SWITCH_PAUSE)
        last[0] = r.backend
        r.step(timed=timed)

    for r, w in zip(runners, warmups):
        for _ in range(w):
            go(r, False)
    for k in range(max(repeats)):
        for r, rep in zip(runners, repeats):
            if k < rep:
                go(r, True)


@dataclass
class SizeResult:
    prob: Problem
    runners: dict = field(default_factory=dict)
    probes: dict = field(default_factory=dict)
    naive: NaiveRunner | None = None
    tdeq: TorchDEQRunner | None = None
    gdiff: dict = field(default_factory=dict)
    pdiff: dict = field(default_factory=dict)
    losses: dict = field(default_factory=dict)   # label -> [loss at theta_ref, after one GD step from it, ...]
    ldiff: dict = field(default_factory=dict)    # label -> max relative loss difference vs the first engine


LOSS_RTOL = 1e-10  # the loss check passes when every method's losses agree with the first engine's to this
LOSS_STEPS = 2  # the loss check: loss at theta_ref and after LOSS_STEPS - 1 GD steps from it, per method


def _rdiff(a, b):
    """||a - b||_F / ||b||_F."""
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-300))


def measure_size(prob, variants, device, *, naive, warm, reps, naive_reps, check_grads=True, measure_mem=False,
                 tdeq_lam=None):
    """Steady-state GD-step times of `variants` ((backend, method) pairs), the baselines and the probes.

    Before the timed rounds every method is put at one point theta_ref (the first engine's parameters
    after its warm-up) and makes LOSS_STEPS untimed GD steps from it, keeping the losses (loss check) and
    the gradient at theta_ref (grad rdiff); these steps also warm up the baselines. tdeq_lam: run the
    torchdeq peer with this Anderson ridge (None: no torchdeq).
    """
    res = SizeResult(prob)
    first_bk = variants[0][0]
    from verifier.engine import get_backend
    step_size_and_q(prob, get_backend(first_bk, device=device if first_bk == "torch" else None))
    engines = [EngineRunner(prob, b, mth, device) for b, mth in variants]
    for b in sorted({e.backend for e in engines} | ({"torch"} if naive or tdeq_lam is not None else set())):
        res.probes[b] = MatmulProbe(prob, b, device)
    # warm-up, then put every method at the same theta (the first engine's theta(warm)) so that the first
    # step of each computes its gradient at one point; the engines' warm starts stay each engine's own.
    for e in engines:
        for _ in range(warm):
            e.step(timed=False)
    p_ref = engines[0].params_numpy()
    nv = NaiveRunner(prob, device) if naive else None
    td = TorchDEQRunner(prob, device, tdeq_lam) if tdeq_lam is not None else None
    if td is not None:
        td.step(timed=False)  # warm-up (allocator, autograd) and a warm start for its forward solve
    for r in [*engines, nv, td]:
        if r is None:
            continue
        r.set_params(p_ref)
        losses = []
        for k in range(LOSS_STEPS if check_grads else 1):
            r.step(timed=False, keep_grads=check_grads and k == 0)
            losses.append(r.last_loss)
        res.losses[r.label] = losses
        if measure_mem:
            r.mem = _cuda_step_memory(r)
    ref = engines[0]
    for lab, ls in res.losses.items():
        res.ldiff[lab] = max(abs(a - b) / abs(b) for a, b in zip(ls, res.losses[ref.label]))
    if check_grads:
        if nv is not None:
            for e in engines:
                res.gdiff[e.label] = max(_rdiff(gn, ge) for ge, gn in zip(e.last_grads, nv.last_grads))
        if td is not None:  # torchdeq against the (first) engine
            res.gdiff[td.label] = max(_rdiff(gt_, ge) for gt_, ge in zip(td.last_grads, ref.last_grads))
    runners, warmups, repeats = [], [], []
    for b, probe in res.probes.items():  # grouped by library: probe, then that library's engines
        group = [(probe, 1, reps + 2)] + [(e, 0, reps) for e in engines if e.backend == b]
        if b == "torch" and nv is not None:
            group.append((nv, 0, naive_reps))
        if b == "torch" and td is not None:
            group.append((td, 0, reps))
        for r, w, k in group:
            runners.append(r), warmups.append(w), repeats.append(k)
    run_rounds(runners, warmups, repeats)
    res.runners = {e.label: e for e in engines}
    res.naive = nv
    res.tdeq = td
    return res


def _cuda_step_memory(r):
    """(own resident bytes + working set of one step, working set, process peak) on CUDA, in bytes."""
    import torch
    torch.cuda.synchronize()
    base = torch.cuda.memory_allocated()
    torch.cuda.reset_peak_memory_stats()
    r.step(timed=False)
    torch.cuda.synchronize()
    peak = torch.cuda.max_memory_allocated()
    work = peak - base
    return r.resident_bytes() + work, work, peak


# ----------------------------------------------------------------------------------------------- printing

def fmt_ms(s):
    ms = 1e3 * s
    return f"{ms:9.1f}" if ms >= 10 else f"{ms:9.2f}"


def mean_iters(r):
    if not r.iters:
        return float("nan"), float("nan")
    return float(np.mean([i[0] for i in r.iters])), float(np.mean([i[1] for i in r.iters]))


def print_size(res, out):
    p = res.prob
    nv, td = res.naive, res.tdeq
    tn = nv.median() if nv is not None else float("nan")
    ttd = td.median() if td is not None else float("nan")
    out(f"  n={p.n} d={p.d} m={p.m}   alpha=1/lambda_max(H0)={p.alpha:.4g}   q0=gt||A0||={p.q0:.3f}"
        f"   q0^{UNROLL}={p.q0 ** UNROLL:.1e}")
    for b, pr in res.probes.items():
        out("    matmul rate " + b + ": " + "  ".join(f"{k}({pr.flops[k] / 1e9:.3g} GF) {pr.rate(k) / 1e9:6.1f} GF/s"
                                                 for k in SHAPES))
    out(f"    {'method':<18}{'ms/step':>9} {'spread':>6} {'iters fwd/adj':>14} {'speedup':>8} {'LB spdup':>9} "
        f"{'LB ms':>9} {'meas/LB':>8} {'grad rdiff':>11} {'vs tdeq':>8} {'loss rdiff':>10}")
    rows = []
    lbn = lower_bound_naive(res.probes["torch"]) if nv is not None else float("nan")
    ld = res.ldiff
    if nv is not None:
        rows.append((nv.label, nv.median(), nv.spread(), f"{UNROLL}/(bwd)", 1.0, 1.0, lbn, "(reference)", ttd / tn))
    if td is not None:
        kf, kb = mean_iters(td)
        lb = lower_bound_tdeq(res.probes["torch"], kf, kb)
        gd = res.gdiff.get(td.label)
        rows.append((td.label, ttd, td.spread(), f"{kf:.1f}/{kb:.1f}", tn / ttd, lbn / lb, lb,
                     f"{gd:.1e}" if gd is not None else "-", 1.0))
    for lab, e in res.runners.items():
        kf, ka = mean_iters(e)
        lb = lower_bound_engine(res.probes[e.backend], kf, ka)
        gd = res.gdiff.get(lab)
        rows.append((lab, e.median(), e.spread(), f"{kf:.1f}/{ka:.1f}", tn / e.median(), lbn / lb, lb,
                     f"{gd:.1e}" if gd is not None else "-", ttd / e.median()))
    for lab, t, sp, it, spd, lbs, lb, gd, vtd in rows:
        lds = f"{ld[lab]:.1e}" if lab in ld else "-"
        vts = f"{vtd:7.2f}x" if math.isfinite(vtd) else f"{'-':>8}"
        out(f"    {lab:<18}{fmt_ms(t)} {sp:6.2f} {it:>14} {spd:7.2f}x {lbs:8.2f}x {fmt_ms(lb)} {t / lb:8.2f} {gd:>11} "
            f"{vts} {lds:>10}")
    if res.losses:
        ref = next(iter(res.runners))
        ls = res.losses[ref]
        worst = max(ld.values())
        out(f"    loss at theta_ref {ls[0]:.12g}" + (f", after one GD step {ls[1]:.12g}" if len(ls) > 1 else "")
            + f" ({ref}); all {len(ld)} methods agree to {worst:.1e} relative -> "
            + ("OK" if worst <= LOSS_RTOL else f"DIFFER (> {LOSS_RTOL:g})"))
    if td is not None:
        out(f"    torchdeq: largest final relative residual forward {td.worst[0]:.1e}, backward {td.worst[1]:.1e}"
            f" (tol {TOL:g}); solves ending above tol: {td.unconverged}")


def loglog_slope(xs, ts):
    xs, ts = np.log(np.asarray(xs, float)), np.log(np.asarray(ts, float))
    return float(np.polyfit(xs, ts, 1)[0])


# ----------------------------------------------------------------------------------------------- mixed precision

MP_TOL32 = 1e-6          # [mp] default relative residual of the float32 phase (--mp-tol32)
MP_MAX_ITER32 = 100      # [mp] cap of a float32 solve; one that misses tol32 (float32 roundoff) hands on its warm start
MP_LOSS_RTOL = 1e-12     # [mp] "equal accuracy": loss within this of the float64-only engine's, relative ...
MP_GRAD_RTOL = 1e-11     # ... and every gradient block within this (relative Frobenius)
MP_PAPER = (1000, 784, 4000)   # [mp] --paper: the paper's scale, warm-up steps and repeats on the CPU
MP_PAPER_WARM, MP_PAPER_REPS = 1, 3


class MixedRunner(Runner):
    """[mp] One GD step whose solves run a float32 phase first, then the engine's float64 solves.

    float32 phase (the engine's public solve_forward / solve_adjoint on a float32 backend, Picard): A, W,
    u and X cast to float32, Phi in float32; the forward solve from the previous step's Z (cast; zeros at
    the first step) to relative residual tol32; then the adjoint solve with D = sigma'(the float32
    pre-activation), from the previous step's B, to tol32. float64 phase: the engine's ``evaluate``
    (Picard, tol TOL, float64 parameters) warm-started from the float32 Z and B: it refines both solves to
    the full tolerance with the float64 D and gives the loss and gradients as the float64-only engine
    does; then the update. A float32 solve that misses tol32 within MP_MAX_ITER32 iterations (counted in
    ``misses32``) passes the previous step's warm start on instead. All of it is timed.
    """

    def __init__(self, prob, backend, device, tol32):
        super().__init__()
        from verifier.engine import get_backend
        self.prob, self.backend, self.tol32 = prob, backend, tol32
        self.label = f"{backend}-mixed"
        dev = device if backend == "torch" else None
        self.bk = get_backend(backend, device=dev, dtype="float64")
        self.bk32 = get_backend(backend, device=dev, dtype="float32")
        self.p = prob.p0.to(self.bk)
        self.X, self.y = self.bk.asarray(prob.X), self.bk.asarray(prob.y)
        self.X32 = self.bk32.asarray(prob.X)
        self.Z = self.B = None
        self.last_grads = None
        self.last_loss = float("nan")
        self.last_res = (float("nan"), float("nan"))
        self.misses32 = 0

    def _solve32(self, fn, *args, X0):
        """(solution or None, iterations) of one float32 solve (None: it missed tol32)."""
        from verifier.engine import SolveError
        try:
            X, st = fn(*args, X0, tol=self.tol32, max_iter=MP_MAX_ITER32, method="picard", bk=self.bk32)
            return X, st
        except SolveError as exc:
            self.misses32 += 1
            return None, exc.stats

    def step(self, timed=True, keep_grads=False):
        from verifier.engine import Params, evaluate, features, solve_adjoint, solve_forward
        bk, b32, p, a = self.bk, self.bk32, self.p, self.prob.alpha
        bk.synchronize()
        t0 = time.perf_counter()
        gt = GAMMA / math.sqrt(p.m)
        A32 = b32.asarray(p.A)
        Phi32, _ = features(self.X32, b32.asarray(p.W), b32)
        Z32, fst = self._solve32(solve_forward, A32, Phi32, gt, X0=None if self.Z is None else b32.asarray(self.Z))
        Z0 = self.Z if Z32 is None else bk.asarray(Z32)
        B0, ka32 = self.B, 0
        if Z32 is not None:
            B32, ast = self._solve32(solve_adjoint, A32, b32.step(fst.pre), b32.asarray(p.u), gt,
                                     X0=None if self.B is None else b32.asarray(self.B))
            B0, ka32 = (self.B if B32 is None else bk.asarray(B32)), ast.iterations
        ev = evaluate(p, self.X, self.y, GAMMA, bk=bk, Z0=Z0, B0=B0, method="picard", tol=TOL)
        g = ev.grads
        self.p = Params(p.A - a * g.A, p.W - a * g.W, p.u - a * g.u, p.v - a * g.v)
        self.Z, self.B = ev.Z, ev.B
        bk.synchronize()
        dt = time.perf_counter() - t0
        if timed:
            self.times.append(dt)
            self.iters.append((fst.iterations, ka32, ev.forward.iterations, ev.adjoint.iterations))
        self.last_loss = float(ev.loss)
        self.last_res = (ev.forward.residual, ev.adjoint.residual)
        if keep_grads:
            self.last_grads = [bk.to_numpy(x) for x in (g.A, g.W, g.u, g.v)]
        return dt

    def set_params(self, p_np):
        self.p = p_np.to(self.bk)


@dataclass
class MixedResult:
    prob: Problem
    pairs: list = field(default_factory=list)     # (float64-only EngineRunner, MixedRunner) per backend
    acc: dict = field(default_factory=dict)       # mixed label -> (loss rdiff, grad rdiff) at theta_ref


def measure_mp(prob, backends, device, tol32, warm, reps):
    """[mp] float64-only Picard engine vs the mixed-precision step, per backend, interleaved round by round."""
    from verifier.engine import get_backend
    if not math.isfinite(prob.alpha):
        step_size_and_q(prob, get_backend(backends[0], device=device if backends[0] == "torch" else None))
    res = MixedResult(prob)
    res.pairs = [(EngineRunner(prob, b, "picard", device), MixedRunner(prob, b, device, tol32)) for b in backends]
    flat = [r for pair in res.pairs for r in pair]
    for r in flat:
        for _ in range(warm):
            r.step(timed=False)
    p_ref = res.pairs[0][0].params_numpy()
    for ref, mx in res.pairs:  # accuracy at one point theta_ref, each with its own warm starts
        for r in (ref, mx):
            r.set_params(p_ref)
            r.step(timed=False, keep_grads=True)
        res.acc[mx.label] = (abs(mx.last_loss - ref.last_loss) / abs(ref.last_loss),
                             max(_rdiff(gm, gr) for gm, gr in zip(mx.last_grads, ref.last_grads)))
    run_rounds(flat, [0] * len(flat), [reps] * len(flat))
    return res


def print_mp(res, out, tol32):
    p = res.prob
    out(f"  n={p.n} d={p.d} m={p.m}   alpha={p.alpha:.4g}   q0={p.q0:.3f}")
    out(f"    {'method':<15}{'ms/step':>9} {'spread':>6} {'f32 iters fwd/adj':>18} {'f64 iters fwd/adj':>18} "
        f"{'mixed/f64':>10} {'loss rdiff':>11} {'grad rdiff':>11} {'final resid fwd/adj':>20}  equal accuracy")
    summary = []
    for ref, mx in res.pairs:
        rk = np.mean(ref.iters, axis=0)
        mk = np.mean(mx.iters, axis=0)
        ratio = mx.median() / ref.median()
        ld, gd = res.acc[mx.label]
        same = ld <= MP_LOSS_RTOL and gd <= MP_GRAD_RTOL and max(mx.last_res) <= TOL and max(ref.last_res) <= TOL
        out(f"    {ref.label:<15}{fmt_ms(ref.median())} {ref.spread():6.2f} {'-':>18} {f'{rk[0]:.1f}/{rk[1]:.1f}':>18} "
            f"{'(reference)':>10} {'-':>11} {'-':>11} {f'{ref.last_res[0]:.1e}/{ref.last_res[1]:.1e}':>20}")
        out(f"    {mx.label:<15}{fmt_ms(mx.median())} {mx.spread():6.2f} {f'{mk[0]:.1f}/{mk[1]:.1f}':>18} "
            f"{f'{mk[2]:.1f}/{mk[3]:.1f}':>18} {ratio:9.2f}x {ld:11.1e} {gd:11.1e} "
            f"{f'{mx.last_res[0]:.1e}/{mx.last_res[1]:.1e}':>20}  {'yes' if same else 'NO'}"
            + (f" ({mx.misses32} float32 solves missed {tol32:g})" if mx.misses32 else ""))
        summary.append(f"mixed precision at n={p.n}, d={p.d}, m={p.m}, {mx.backend}: mixed/float64 time {ratio:.2f}x, "
                       f"accuracy {'equal' if same else 'NOT equal'} (loss {ld:.1e}, grad {gd:.1e})")
    return summary


# ----------------------------------------------------------------------------------------------- main

CONFIGS = {
    # comparison sizes (n, d, m), scaling sweeps, repeats
    "cpu-full": dict(
        sizes=[(200, 784, 1000), (200, 64, 1000), (100, 64, 500), (50, 64, 250)],
        variants=[("numpy", "picard"), ("numpy", "anderson"), ("torch", "picard"), ("torch", "anderson")],
        warm=3, reps=5, naive_reps=3,
        scale_variant=("numpy", "picard"), scale_d=64,
        m_sweep=(200, [250, 500, 1000, 2000]), n_sweep=(1000, [50, 100, 200, 400]), scale_reps=3,
        rec=((200, 784, 1000), [("numpy", "picard"), ("torch", "picard")], 6),
        mp=dict(sizes=[(200, 64, 1000)], backends=["numpy", "torch"], warm=2, reps=5),
        # (n, d, m): engine >= x naive, engine >= y torchdeq (best engine variant, this device)
        targets={"cpu": ((200, 64, 1000), 4.0, 5.0)}),
    "cpu-quick": dict(
        sizes=[(100, 784, 400), (100, 64, 400), (50, 64, 200)],
        variants=[("numpy", "picard"), ("numpy", "anderson"), ("torch", "picard"), ("torch", "anderson")],
        warm=2, reps=4, naive_reps=2,
        scale_variant=("numpy", "picard"), scale_d=64,
        m_sweep=(100, [100, 200, 400, 800]), n_sweep=(400, [25, 50, 100, 200]), scale_reps=3,
        rec=((100, 64, 400), [("numpy", "picard"), ("torch", "picard")], 4),
        mp=dict(sizes=[(100, 64, 400)], backends=["numpy", "torch"], warm=2, reps=4),
        targets={}),
    "cuda-full": dict(
        sizes=[(1000, 784, 4000), (200, 784, 1000)],
        variants=[("torch", "picard"), ("torch", "anderson")],
        warm=3, reps=7, naive_reps=5,
        scale_variant=("torch", "picard"), scale_d=64,
        m_sweep=(1000, [1000, 2000, 4000, 8000]), n_sweep=(4000, [250, 500, 1000, 2000]), scale_reps=5,
        rec=((1000, 784, 4000), [("torch", "picard")], 4),
        mp=dict(sizes=[(200, 784, 1000), (1000, 784, 4000)], backends=["torch"], warm=2, reps=5),
        targets={"cuda": ((1000, 784, 4000), 5.0, None)}),
    "cuda-quick": dict(
        sizes=[(200, 784, 1000)],
        variants=[("torch", "picard"), ("torch", "anderson")],
        warm=2, reps=4, naive_reps=3,
        scale_variant=("torch", "picard"), scale_d=64,
        m_sweep=(200, [500, 1000, 2000]), n_sweep=(1000, [100, 200, 400]), scale_reps=3,
        rec=((200, 784, 1000), [("torch", "picard")], 3),
        mp=dict(sizes=[(200, 784, 1000)], backends=["torch"], warm=2, reps=3),
        targets={}),
}


def recording_overhead(sz, variants, steps, device, cache, out):
    """Per-step time of train_gd vs the bare GD step of the same variant, interleaved step by step.

    train_gd's on_step callback (called once per recorded step) runs one bare GD step of a separate
    runner and is timed; train_gd's own per-step time is the time between two callbacks (evaluate with
    warm starts + recording + update), so both are measured in the same rounds.
    """
    from verifier.engine import TrainConfig, get_backend, train_gd
    n, d, m = sz
    res = cache.get(sz)
    prob = res.prob if res is not None else make_problem(n, d, m)
    if not math.isfinite(prob.alpha):
        step_size_and_q(prob, get_backend("numpy"))
    out(f"  n={n} d={d} m={m}, {steps} GD steps of train_gd (ntk_every=0), each followed by one bare GD step "
        f"(steady state: steps 2..)")
    out(f"    {'method':<18}{'bare ms':>9} {'train_gd ms':>12} {'ratio':>7} {'recording ms':>13}")
    for b, mth in variants:
        lab = f"{b}-{mth}"
        bk = get_backend(b, device=device if b == "torch" else None)
        bare = EngineRunner(prob, b, mth, device)
        run_rounds([bare], [2], [0])
        marks = []

        def on_step(k, ev, bare=bare, marks=marks):
            bk.synchronize()
            t0 = time.perf_counter()
            bare.step()
            marks.append((t0, time.perf_counter()))

        cfg = TrainConfig(gamma=GAMMA, step_size=prob.alpha, steps=steps, tol=TOL, solver=mth, ntk_every=0)
        try:
            traj = train_gd(prob.p0, prob.X, prob.y, cfg, bk=bk, on_step=on_step)
        except Exception as exc:  # report and go on: a crash in the recorder is a finding, not a benchmark error
            out(f"    {lab:<18} train_gd raised {type(exc).__name__}: {str(exc).splitlines()[0]}")
            continue
        if traj.stopped_reason:
            out(f"    {lab:<18} train_gd stopped: {traj.stopped_reason}")
            continue
        per = [marks[i][0] - marks[i - 1][1] for i in range(2, len(marks))]
        tr = statistics.median(per)
        tb = statistics.median(bare.times[2:])
        out(f"    {lab:<18}{fmt_ms(tb)} {fmt_ms(tr):>12} {tr / tb:6.2f}x {fmt_ms(tr - tb):>13}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 epilog="Prints ratios against baselines measured in the same run; see the docstring.")
    ap.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    ap.add_argument("--quick", action="store_true", help="small sizes, for smoke tests (< 60 s on 2 CPU cores)")
    ap.add_argument("--threads", type=int, default=0,
                    help="BLAS/intra-op threads for numpy (threadpoolctl) and torch; 0 = the libraries' defaults")
    ap.add_argument("--skip", default="",
                    help="comma list of sections to skip: compare,rec,scaling,mp; torchdeq skips the torchdeq peer")
    ap.add_argument("--paper", action="store_true",
                    help=f"[mp] also at the paper's scale n={MP_PAPER[0]}, d={MP_PAPER[1]}, m={MP_PAPER[2]} "
                         "(slow on the CPU: ~10 s per GD step)")
    ap.add_argument("--mp-tol32", type=float, default=MP_TOL32,
                    help=f"[mp] relative residual of the float32 phase (default {MP_TOL32:g})")
    ap.add_argument("--tdeq-lam", type=float, default=TDEQ_LAM,
                    help=f"torchdeq peer: Anderson's ridge lam (default {TDEQ_LAM:g}; torchdeq's own default is 1e-4)")
    args = ap.parse_args(argv)
    try:
        import torch
    except ImportError:
        print("bench_engine: PyTorch is required (the naive baseline is torch autograd): pip install torch",
              file=sys.stderr)
        return 2
    if args.device == "cuda" and not torch.cuda.is_available():
        print(f"bench_engine: --device cuda requested but CUDA is not available (torch {torch.__version__})",
              file=sys.stderr)
        return 2
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    unknown = skip - {"compare", "rec", "scaling", "mp", "torchdeq"}
    if unknown:
        print(f"bench_engine: unknown --skip section(s): {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    tdeq_version, tdeq_why = torchdeq_status()
    if "torchdeq" in skip:
        tdeq_version, tdeq_why = None, "--skip torchdeq"
    blas_threads = "default"
    if args.threads > 0:
        torch.set_num_threads(args.threads)
        try:
            from threadpoolctl import threadpool_limits
            _limits = threadpool_limits(limits=args.threads)  # noqa: F841 (kept alive for the whole run)
            blas_threads = str(args.threads)
        except ImportError:
            blas_threads = "default (threadpoolctl not installed)"
    cfg = CONFIGS[f"{args.device}-{'quick' if args.quick else 'full'}"]
    device = args.device
    out = lambda s="": print(s, flush=True)  # noqa: E731
    t_start = time.perf_counter()
    dev_name = (torch.cuda.get_device_name(0) if device == "cuda" else (platform.processor() or platform.machine()))
    out(f"Engine benchmark  device={device} ({dev_name}, {os.cpu_count()} cpus)  mode={'quick' if args.quick else 'full'}"
        f"  float64  gamma={GAMMA}  tol={TOL:g}")
    out(f"  python {platform.python_version()}  numpy {np.__version__}  torch {torch.__version__} "
        f"(intra-op threads {torch.get_num_threads()}; numpy BLAS threads {blas_threads})"
        f"  load average at start {os.getloadavg()[0]:.2f}")
    out("  torchdeq peer: " + (f"torchdeq {tdeq_version} (anderson forward, lam={args.tdeq_lam:g}; IFT backward, "
                               f"{TDEQ_B_SOLVER}; rel tol {TOL:g} both; max_iter {TDEQ_MAX_ITER})"
                               if tdeq_version else f"skipped: {tdeq_why}"))
    out("  data: random unit rows, y = sign(random teacher); A1 init (seed 0); alpha = 1/lambda_max(H(0))")
    out("  timing: median over repeats after warm-up; methods and matmul probes interleaved round by round;"
        " spread = max/min")
    cache: dict = {}
    verdicts = []

    if "compare" not in skip:
        out()
        out(f"[1+2] GD step: engine vs naive (torch autograd through {UNROLL} unrolled iterations), vs torchdeq "
            f"and vs the matmul lower bound (LB)")
        if tdeq_version is None:
            out(f"  torchdeq peer skipped: {tdeq_why}")
        for sz in cfg["sizes"]:
            prob = make_problem(*sz)
            res = measure_size(prob, cfg["variants"], device, naive=True, warm=cfg["warm"], reps=cfg["reps"],
                               naive_reps=cfg["naive_reps"], measure_mem=(device == "cuda"),
                               tdeq_lam=args.tdeq_lam if tdeq_version is not None else None)
            cache[sz] = res
            print_size(res, out)
            if device == "cuda":
                gib = 1024.0 ** 3
                for r in [*res.runners.values(), res.naive] + ([res.tdeq] if res.tdeq is not None else []):
                    own, work, peak = r.mem
                    out(f"    GPU memory {r.label:<18} own footprint {own / gib:7.3f} GiB (step working set "
                        f"{work / gib:.3f} GiB; process peak incl. other methods {peak / gib:.3f} GiB)")
            for kind, (tsz, target, target_td) in cfg["targets"].items():
                if sz != tsz:
                    continue
                tn, td_, tm = tsz
                where = f"n={tn}, d={td_}, m={tm} ({kind})"
                best = min(res.runners.values(), key=lambda e: e.median())
                spd = res.naive.median() / best.median()
                verdicts.append(f"engine >= {target:g}x naive at {where}: best {best.label} "
                                f"{spd:.2f}x -> {'MET' if spd >= target else 'NOT MET'}"
                                + "".join(f"; {lab} {res.naive.median() / e.median():.2f}x"
                                          for lab, e in res.runners.items() if e is not best))
                if target_td is not None:
                    if res.tdeq is None:
                        verdicts.append(f"engine >= {target_td:g}x torchdeq at {where}: not measured ({tdeq_why})")
                    else:
                        spd = res.tdeq.median() / best.median()
                        ceil = (lower_bound_tdeq(res.probes["torch"], *mean_iters(res.tdeq))
                                / lower_bound_engine(res.probes[best.backend], *mean_iters(best)))
                        verdicts.append(f"engine >= {target_td:g}x torchdeq at {where}: best {best.label} "
                                        f"{spd:.2f}x -> {'MET' if spd >= target_td else 'NOT MET'}"
                                        + "".join(f"; {lab} {res.tdeq.median() / e.median():.2f}x"
                                                  for lab, e in res.runners.items() if e is not best)
                                        + f" (matmul-count ceiling: torchdeq LB / {best.label} LB = {ceil:.2f}x)")
                worst = max(res.ldiff.values())
                verdicts.append(f"same loss for all methods at {where} (theta_ref and one GD step later, "
                                f"<= {LOSS_RTOL:g} relative): {worst:.1e} -> {'MET' if worst <= LOSS_RTOL else 'NOT MET'}")
                if device == "cuda":
                    kf, ka = mean_iters(best)
                    rat = best.median() / lower_bound_engine(res.probes[best.backend], kf, ka)
                    verdicts.append(f"engine within 1.5x of the matmul lower bound at {where}: "
                                    f"{best.label} {rat:.2f}x -> {'MET' if rat <= 1.5 else 'NOT MET'}")
                    own = best.mem[0] / 1024.0 ** 3
                    verdicts.append(f"engine GPU memory well under 8 GB: {best.label} {own:.3f} GiB "
                                    f"-> {'MET' if best.mem[0] < 8e9 else 'NOT MET'}")

    if "rec" not in skip:
        out()
        out("[rec] Recording overhead of train_gd (spectral norms of A, W, A-A0, W-W0 and eigvalsh of the n x n "
            "Gram every step)")
        sz, variants, steps = cfg["rec"]
        recording_overhead(sz, variants, steps, device, cache, out)

    if "scaling" not in skip:
        out()
        b, mth = cfg["scale_variant"]
        d = cfg["scale_d"]
        out(f"[3] Cost scaling of the GD step ({b}-{mth}, d={d}): log-log least-squares slopes")
        sweeps = [("m", cfg["m_sweep"][0], cfg["m_sweep"][1], 2.0), ("n", cfg["n_sweep"][0], cfg["n_sweep"][1], 1.0)]
        for var, fixed, vals, expect in sweeps:
            xs, ts, tpp, lbs = [], [], [], []
            out(f"  {var} sweep at {'n' if var == 'm' else 'm'}={fixed}:")
            out(f"    {var:>6} {'ms/step':>9} {'iters fwd/adj':>14} {'ms/(k_f+k_a+1)':>15} {'LB ms':>9} {'meas/LB':>8}")
            for v in vals:
                n, m = (fixed, v) if var == "m" else (v, fixed)
                res = cache.get((n, d, m))
                lab = f"{b}-{mth}"
                if res is None or lab not in res.runners:
                    res = measure_size(make_problem(n, d, m), [(b, mth)], device, naive=False, warm=cfg["warm"],
                                       reps=cfg["scale_reps"], naive_reps=0, check_grads=False)
                e = res.runners[lab]
                kf, ka = mean_iters(e)
                lb = lower_bound_engine(res.probes[b], kf, ka)
                xs.append(v), ts.append(e.median()), tpp.append(e.median() / (kf + ka + 1)), lbs.append(lb)
                out(f"    {v:>6} {fmt_ms(e.median())} {kf:7.1f}/{ka:<6.1f} {fmt_ms(tpp[-1]):>15} {fmt_ms(lb)} "
                    f"{e.median() / lb:8.2f}")
            out(f"    slope in {var}: time/step {loglog_slope(xs, ts):.2f}   time per matrix-product-equivalent "
                f"{loglog_slope(xs, tpp):.2f}   lower bound {loglog_slope(xs, lbs):.2f}   expected {expect:g}")

    mp_summary = []
    if "mp" not in skip:
        out()
        mcfg = cfg["mp"]
        out(f"[mp] Mixed precision: float32 Picard to relative residual {args.mp_tol32:g}, then float64 Picard to "
            f"{TOL:g} (forward and adjoint), against the float64-only Picard engine")
        sizes = [(sz, mcfg["warm"], mcfg["reps"]) for sz in mcfg["sizes"]]
        if args.paper and MP_PAPER not in mcfg["sizes"]:
            sizes.append((MP_PAPER, MP_PAPER_WARM, MP_PAPER_REPS))
        for sz, w, k in sizes:
            res = cache.get(sz)
            prob = res.prob if res is not None else make_problem(*sz)
            mres = measure_mp(prob, mcfg["backends"], device, args.mp_tol32, w, k)
            mp_summary += print_mp(mres, out, args.mp_tol32)

    if verdicts:
        out()
        out("Targets:")
        for v in verdicts:
            out("  " + v)
    if mp_summary:
        out()
        out("Mixed precision ([mp]):")
        for v in mp_summary:
            out("  " + v)
    out()
    out(f"total {time.perf_counter() - t_start:.0f} s, load average at end {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
