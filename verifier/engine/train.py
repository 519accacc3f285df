"""Training on the paper's model, recording every quantity the proofs use.

* ``train_gd``: full-batch gradient descent (L3.6, T3.2), theta(k+1) = theta(k) - alpha grad L(theta(k)).
* ``train_gf``: gradient flow d theta/dt = -grad L (L3.5, T3.1), integrated by the Bogacki-Shampine
  3(2) pair with error control on the parameters, recording at every accepted step against time t.

Both record TRAJECTORY_KEYS (and the NTK_KEYS every ``ntk_every`` records), can checkpoint their full
state through a callback and resume from it bit for bit, and stop cleanly -- keeping everything
recorded so far -- when a solve fails, the loss or parameters become non-finite, or on Ctrl-C.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from .backend import get_backend
from .gradients import PHI_KINK_ULPS, evaluate, preactivation_margins
from .mixed import presolve32
from .model import Params
from .ntk import ntk_terms
from .solvers import DEFAULT_MAX_ITER, DEFAULT_TOL, SolveError

__all__ = ["TrainConfig", "Trajectory", "train_gd", "train_gf", "TRAJECTORY_KEYS", "NTK_KEYS", "op_norm"]

#: One array per recorded quantity in trajectory.npz (index j = 0..: values at the j-th recorded point).
TRAJECTORY_KEYS = {
    "step": "k: GD updates applied (GF: accepted integrator steps)",
    "time": "k*alpha for GD (the gradient-flow time it stands for); integration time t for GF",
    "loss": "L = 1/2 ||yhat - y||^2 (eq. 5)",
    "residual_sq": "||yhat - y||^2",
    "lambda_min_G": "lambda_min(G), G = Phi Phi^T",
    "contraction": "(gamma/sqrt(m)) ||A||_2, the well-posedness margin of L2.2",
    "A_norm_scaled": "||A||_2 / sqrt(m)",
    "W_norm_scaled": "||W||_2 / sqrt(m)",
    "u_norm": "||u||",
    "v_norm": "||v||",
    "dist_A": "||A - A(0)||_2 (spectral)",
    "dist_W": "||W - W(0)||_2 (spectral)",
    "dist_u": "||u - u(0)||",
    "dist_v": "||v - v(0)||",
    "fwd_iters": "iterations of the equilibrium solve",
    "fwd_residual": "final relative residual of the equilibrium solve",
    "adj_iters": "iterations of the adjoint solve",
    "adj_residual": "final relative residual of the adjoint solve",
    "fwd_rate": "observed contraction of the equilibrium solve (ratio of successive residuals)",
    "adj_rate": "observed contraction of the adjoint solve",
    "fwd_iters_f32": "float32 iterations before the equilibrium solve (mixed precision; 0: none)",
    "adj_iters_f32": "float32 iterations before the adjoint solve (mixed precision; 0: none)",
    "preact_min_abs_z": "min_{i,r} |(gt A z_i + phi_i)_r| on the solver's last pre-activation (D_i of L2.3 needs > 0)",
    "preact_near_zero_z": "#{(i,r): |(gt A z_i + phi_i)_r| <= tol ||Z||_F} (tol ||Z||_F: the solve's residual band)",
    "preact_min_abs_phi": "min_{i,r} |<w_r, x_i>| / sqrt(m), the features' pre-activation (E_i of L2.3 needs > 0)",
    "preact_near_zero_phi": f"#{{(i,r): |<w_r, x_i>| <= {PHI_KINK_ULPS} eps ||w_r|| ||x_i||}} "
                            "(a few ulps of the entry scale)",
    "seconds": "wall-clock seconds of training so far (summed over resumed segments)",
}
#: NTK of L3.1 every `ntk_every` records (arrays of their own length).
NTK_KEYS = {
    "ntk_step": "record index k at which the NTK was computed",
    "ntk_lambda_min_H": "lambda_min(H), H = (gamma^2 M + I) o ZZ^T + Q o XX^T + Phi Phi^T",
    "ntk_lambda_max_H": "lambda_max(H)",
    "ntk_lambda_min_A_term": "lambda_min(gamma^2 M o ZZ^T)  (Jacobian block of A)",
    "ntk_lambda_min_W_term": "lambda_min(Q o XX^T)  (Jacobian block of W)",
    "ntk_lambda_min_uv_term": "lambda_min(ZZ^T + Phi Phi^T)  (Jacobian blocks of u and v)",
}
_INT_KEYS = ("step", "fwd_iters", "adj_iters", "ntk_step", "preact_near_zero_z", "preact_near_zero_phi", "fwd_iters_f32",
             "adj_iters_f32")


def op_norm(M, v0=None):
    """(||M||_2, warm-start vector) on numpy arrays; see NumpyBackend.spectral_norm."""
    return get_backend("numpy").spectral_norm(M, v0)


@dataclass
class TrainConfig:
    gamma: float
    step_size: float                 # GD: alpha; GF: the initial integrator step
    steps: int                       # GD: updates; GF: maximum accepted steps
    tol: float = DEFAULT_TOL
    max_iter: int = DEFAULT_MAX_ITER
    solver: str = "picard"
    ntk_every: int = 0               # 0: never
    t_final: float | None = None     # GF: integrate to this time
    rtol: float = 1e-6               # GF: relative error per step
    checkpoint_every: int = 0        # 0: never (records between checkpoint callbacks)
    precision: str = "float64"       # "mixed": float32 iterations before every float64 solve (engine.mixed)


@dataclass
class Trajectory:
    """Recorded arrays (TRAJECTORY_KEYS, NTK_KEYS), the initial parameters, and how the run ended."""
    init: Params
    records: dict = field(default_factory=lambda: {k: [] for k in {**TRAJECTORY_KEYS, **NTK_KEYS}})
    stopped_reason: str | None = None   # None: all steps done
    stopped_step: int | None = None
    interrupted: bool = False
    final: Params | None = None

    def arrays(self) -> dict:
        return {k: np.asarray(v, dtype=np.int64 if k in _INT_KEYS else np.float64)
                for k, v in self.records.items()}

    def __len__(self) -> int:
        return len(self.records["step"])

    def save_npz(self, path) -> None:
        np.savez(path, A0=self.init.A, W0=self.init.W, u0=self.init.u, v0=self.init.v, **self.arrays())


class _NormCache:
    """Warm starts for the spectral norms recorded each step."""

    def __init__(self, bk, vecs=None):
        self.bk = bk
        self.v = {k: bk.asarray(v) for k, v in (vecs or {}).items()}

    def __call__(self, key, M):
        val, vec = self.bk.spectral_norm(M, self.v.get(key))
        if vec is not None:
            self.v[key] = vec
        return val


class _Recorder:
    def __init__(self, traj, bk, p0, gamma, X, ntk_every, tol, norm_vecs=None, seconds0=0.0):
        self.traj, self.bk, self.gamma, self.X, self.tol = traj, bk, gamma, X, tol
        self.p0 = p0
        self.ntk_every = ntk_every
        self.norms = _NormCache(bk, norm_vecs)
        self.seconds0 = seconds0
        self.t0 = time.perf_counter()
        self.iters32 = (0, 0)    # float32 iterations of the evaluation recorded next (mixed precision)

    def seconds(self):
        return self.seconds0 + time.perf_counter() - self.t0

    def __call__(self, k, t, ev, p):
        bk, rec = self.bk, self.traj.records
        sq = float(np.sqrt(p.m))
        nA = self.norms("A", p.A)
        G = ev.Phi @ ev.Phi.T
        vals = {
            "step": k, "time": t, "loss": ev.loss, "residual_sq": 2.0 * ev.loss,
            "lambda_min_G": float(bk.eigvalsh(G)[0]),
            "contraction": self.gamma / sq * nA, "A_norm_scaled": nA / sq,
            "W_norm_scaled": self.norms("W", p.W) / sq,
            "u_norm": bk.norm(p.u), "v_norm": bk.norm(p.v),
            "dist_A": self.norms("dA", p.A - self.p0.A) if k else 0.0,
            "dist_W": self.norms("dW", p.W - self.p0.W) if k else 0.0,
            "dist_u": bk.norm(p.u - self.p0.u), "dist_v": bk.norm(p.v - self.p0.v),
            "fwd_iters": ev.forward.iterations, "fwd_residual": ev.forward.residual,
            "adj_iters": ev.adjoint.iterations if ev.adjoint else 0,
            "adj_residual": ev.adjoint.residual if ev.adjoint else float("nan"),
            "fwd_rate": ev.forward.contraction_estimate,
            "adj_rate": ev.adjoint.contraction_estimate if ev.adjoint else float("nan"),
            "fwd_iters_f32": self.iters32[0], "adj_iters_f32": self.iters32[1],
            **preactivation_margins(ev, self.X, p.W, self.tol, bk=bk),
        }
        for key, val in vals.items():
            rec[key].append(val)
        if self.ntk_every and k % self.ntk_every == 0 and ev.B is not None:
            T = ntk_terms(ev, self.X, self.gamma, p.v)
            eH = bk.eigvalsh(T["H"])
            rec["ntk_step"].append(k)
            rec["ntk_lambda_min_H"].append(float(eH[0]))
            rec["ntk_lambda_max_H"].append(float(eH[-1]))
            for name in ("A_term", "W_term", "uv_term"):
                rec[f"ntk_lambda_min_{name}"].append(float(bk.eigvalsh(T[name])[0]))
        rec["seconds"].append(self.seconds())


def _evaluate(cfg, rec, p, Xb, yb, Z, B, bk, kw):
    """evaluate at p from the warm starts Z, B; with cfg.precision == "mixed", from float32 pre-solves
    (engine.mixed), whose iteration counts go to the next record."""
    if cfg.precision == "mixed":
        Z, B, it_f, it_a = presolve32(p, Xb, cfg.gamma, Z, B, bk=bk)
        rec.iters32 = (it_f, it_a)
    else:
        rec.iters32 = (0, 0)
    return evaluate(p, Xb, yb, cfg.gamma, Z0=Z, B0=B, bk=bk, **kw)


def _finite_params(bk, p):
    return bk.all_finite(p.A, p.W, p.u, p.v)


def _state(kind, k, t, p, Z, B, rec: _Recorder, extra=None):
    bk = rec.bk
    st = {"kind": kind, "k": k, "t": t, "params": p.numpy(bk),
          "Z": None if Z is None else bk.to_numpy(Z), "B": None if B is None else bk.to_numpy(B),
          "norm_vecs": dict(rec.norms.v), "seconds": rec.seconds()}
    st.update(extra or {})
    st["norm_vecs"] = {k: bk.to_numpy(v) for k, v in st["norm_vecs"].items()}
    return st


def _start(p0, X, y, cfg, bk, resume, norm_vecs=None):
    """Common set-up: backend arrays, a trajectory (fresh or resumed) and the loop state."""
    traj = Trajectory(init=p0.copy())
    Xb, yb = bk.asarray(X), bk.asarray(y)
    p0b = p0.to(bk)
    if resume is None:
        return (traj, Xb, yb, p0b, p0b.copy(), None, None, 0, 0.0,
                _Recorder(traj, bk, p0b, cfg.gamma, Xb, cfg.ntk_every, cfg.tol, norm_vecs))
    traj.records = {k: list(resume["records"].get(k, [])) for k in {**TRAJECTORY_KEYS, **NTK_KEYS}}
    n_old = len(traj.records["step"])
    for key in TRAJECTORY_KEYS:
        if key not in resume["records"]:
            # a run recorded before this key existed: pad its records with "not recorded" (-1 / nan)
            traj.records[key] = [-1 if key in _INT_KEYS else float("nan")] * n_old
    if resume["kind"] == "gd" or resume.get("grads") is None:
        # GD, or GF stopped before theta(k) was fully evaluated: the resumed loop records theta(k) again
        _truncate(traj, int(resume["k"]))
    else:
        _truncate(traj, int(resume["k"]) + 1)
    p = resume["params"].to(bk)
    Z = None if resume["Z"] is None else bk.asarray(resume["Z"])
    B = None if resume["B"] is None else bk.asarray(resume["B"])
    rec = _Recorder(traj, bk, p0b, cfg.gamma, Xb, cfg.ntk_every, cfg.tol, resume.get("norm_vecs"),
                    resume.get("seconds", 0.0))
    return traj, Xb, yb, p0b, p, Z, B, int(resume["k"]), float(resume["t"]), rec


def train_gd(p0: Params, X, y, cfg: TrainConfig, *, bk=None, on_step=None, on_checkpoint=None,
             resume: dict | None = None, first=None, norm_vecs: dict | None = None) -> Trajectory:
    """theta(k+1) = theta(k) - alpha grad L(theta(k)) for k < steps, all four parameters.

    Records at theta(0..steps). Warm starts: each solve starts from the previous step's equilibrium /
    adjoint. on_checkpoint(state) receives the full loop state every cfg.checkpoint_every records and
    when the run ends; passing such a state back as ``resume`` continues the run bit for bit.
    A fresh run may pass ``first``, theta(0)'s evaluation (the same `evaluate` call with this cfg's solver
    options, from Z = 0), and ``norm_vecs``, start vectors for the recorded spectral norms.
    """
    bk = bk or get_backend("numpy")
    traj, Xb, yb, _p0b, p, Z, B, k0, _t, rec = _start(p0, X, y, cfg, bk, resume, norm_vecs)
    kw = {"tol": cfg.tol, "max_iter": cfg.max_iter, "method": cfg.solver}
    a = cfg.step_size
    p_index = k0  # invariant: p = theta(p_index), Z/B = the warm starts for evaluating it
    # the norms' warm starts before recording theta(snap_k): a resume that re-records theta(p_index) needs them
    snapshot, snap_k = dict(rec.norms.v), None
    try:
        for k in range(k0, cfg.steps + 1):
            try:
                if k == 0 and first is not None and resume is None:
                    ev = first
                else:
                    ev = _evaluate(cfg, rec, p, Xb, yb, Z, B, bk, kw)
            except SolveError as exc:
                traj.stopped_reason, traj.stopped_step = str(exc), k
                break
            if not np.isfinite(ev.loss):
                traj.stopped_reason, traj.stopped_step = f"loss became non-finite ({ev.loss}) at step {k}", k
                break
            snapshot, snap_k = dict(rec.norms.v), k
            rec(k, k * a, ev, p)
            if on_step is not None:
                on_step(k, ev)
            if k == cfg.steps:
                break
            g = ev.grads
            with bk.quiet():
                p_next = Params(p.A - a * g.A, p.W - a * g.W, p.u - a * g.u, p.v - a * g.v)
            if not _finite_params(bk, p_next):
                traj.stopped_reason, traj.stopped_step = f"parameters became non-finite after step {k}", k + 1
                break
            p, Z, B, p_index = p_next, ev.Z, ev.B, k + 1
            if on_checkpoint is not None and cfg.checkpoint_every and p_index % cfg.checkpoint_every == 0:
                on_checkpoint(_state("gd", p_index, p_index * a, p, Z, B, rec), traj)
    except KeyboardInterrupt:
        traj.interrupted = True
        if snap_k == p_index:  # recording theta(p_index) had begun (norms may have moved): resume redoes it
            rec.norms.v = snapshot
        _truncate(traj, p_index)
        traj.stopped_reason, traj.stopped_step = f"interrupted by the user at step {p_index}", p_index
    traj.final = p.numpy(bk)
    if on_checkpoint is not None:
        # the state is always theta(p_index) with its warm starts; a resume re-records theta(p_index)
        vecs = snapshot if snap_k == p_index else dict(rec.norms.v)
        on_checkpoint(_state("gd", p_index, p_index * a, p, Z, B, rec, {"norm_vecs": vecs}), traj)
    return traj


def _truncate(traj, n_records):
    """Cut every record list to n_records (NTK lists to the NTK entries of those records)."""
    for key in TRAJECTORY_KEYS:
        del traj.records[key][n_records:]
    keep = sum(1 for s in traj.records["ntk_step"] if s < n_records)
    for key in NTK_KEYS:
        del traj.records[key][keep:]


# Bogacki-Shampine 3(2) tableau (FSAL): Bogacki & Shampine, Appl. Math. Lett. 2 (1989) 321-325.
_BS_C = (0.0, 0.5, 0.75, 1.0)
_BS_A = ((), (0.5,), (0.0, 0.75), (2 / 9, 1 / 3, 4 / 9))
_BS_E = (-5 / 72, 1 / 12, 1 / 9, -1 / 8)  # b3 - b2* (3rd order minus 2nd order embedded weights)


def _axpy(p, coefs, ks):
    out = [p.A, p.W, p.u, p.v]
    for c, kk in zip(coefs, ks):
        if c == 0.0:
            continue
        out = [o + c * g for o, g in zip(out, (kk.A, kk.W, kk.u, kk.v))]
    return Params(*out)


def _grads_np(bk, g):
    return None if g is None else [bk.to_numpy(x) for x in (g.A, g.W, g.u, g.v)]


def train_gf(p0: Params, X, y, cfg: TrainConfig, *, bk=None, on_step=None, on_checkpoint=None,
             resume: dict | None = None, first=None, norm_vecs: dict | None = None) -> Trajectory:
    """Integrate d theta/dt = -grad L(theta) on [0, t_final] with error control (rtol per step).

    Each accepted step's error estimate e satisfies ||e|| <= rtol * max(||theta||, 1) (Euclidean norm
    over all four parameters). Records at every accepted step (index = accepted steps, `time` = t).
    ``first`` and ``norm_vecs``: as in train_gd.
    """
    if cfg.t_final is None or cfg.t_final <= 0:
        raise ValueError("gradient flow needs t_final > 0")
    bk = bk or get_backend("numpy")
    traj, Xb, yb, _p0b, p, Z, B, k0, t, rec = _start(p0, X, y, cfg, bk, resume, norm_vecs)
    kw = {"tol": cfg.tol, "max_iter": cfg.max_iter, "method": cfg.solver}
    h = float(resume["h"]) if resume else cfg.step_size
    k = k0
    k1 = None

    def neg(ev):
        g = ev.grads
        return Params(-g.A, -g.W, -g.u, -g.v)

    def pnorm(q):
        return float(np.sqrt(sum(n * n for n in (bk.norm(x) for x in (q.A, q.W, q.u, q.v)))))  # overflow -> inf

    snapshot = dict(rec.norms.v)
    try:
        if resume is not None and resume.get("grads") is not None:
            k1 = Params(*(bk.asarray(x) for x in resume["grads"]))  # -grad L at theta(k): FSAL stage
        else:
            ev = first if first is not None and resume is None else _evaluate(cfg, rec, p, Xb, yb, Z, B, bk, kw)
            rec(0, 0.0, ev, p)
            if on_step is not None:
                on_step(0, ev)
            Z, B, k1 = ev.Z, ev.B, neg(ev)
        while t < cfg.t_final * (1 - 1e-12) and k < cfg.steps:
            h = min(h, cfg.t_final - t)
            ks, stage = [k1], None
            for s_ in (1, 2, 3):
                with bk.quiet():
                    q = _axpy(p, [h * c for c in _BS_A[s_]], ks)
                if not _finite_params(bk, q):
                    break  # the stage left the finite domain: rejected below like a non-finite error estimate
                stage = (q, _evaluate(cfg, rec, q, Xb, yb, Z, B, bk, kw))
                ks.append(neg(stage[1]))
            if len(ks) == 4:
                p_new, ev_new = stage  # the 3rd-order solution is the last stage point (FSAL)
                with bk.quiet():
                    err = pnorm(_axpy(Params(0 * p.A, 0 * p.W, 0 * p.u, 0 * p.v), [h * e for e in _BS_E], ks))
            else:
                p_new, ev_new, err = None, None, float("nan")
            if not np.isfinite(err) or not np.isfinite(ev_new.loss):
                h *= 0.25
                if h < 1e-14 * max(t, 1.0):
                    traj.stopped_reason, traj.stopped_step = f"non-finite values at t = {t:.6g}; step size underflow", k
                    break
                continue
            scale = cfg.rtol * max(pnorm(p_new), 1.0)
            ratio = err / scale
            fac = min(5.0, max(0.2, 0.9 * ratio ** (-1.0 / 3.0))) if ratio > 0 else 5.0
            if ratio <= 1.0:
                snapshot = dict(rec.norms.v)
                rec(k + 1, t + h, ev_new, p_new)  # recorded before the state moves: an interrupt here redoes the step
                p, t, k, Z, B, k1, h = p_new, t + h, k + 1, ev_new.Z, ev_new.B, ks[-1], h * fac
                snapshot = dict(rec.norms.v)
                if on_step is not None:
                    on_step(k, ev_new)
                if on_checkpoint is not None and cfg.checkpoint_every and k % cfg.checkpoint_every == 0:
                    on_checkpoint(_state("gf", k, t, p, Z, B, rec, {"h": h, "grads": _grads_np(bk, k1)}), traj)
            else:
                h *= fac
        if traj.stopped_reason is None and t < cfg.t_final * (1 - 1e-12):
            traj.stopped_reason = (f"reached the maximum of {cfg.steps} accepted integrator steps at t = {t:.6g} "
                                   f"< T = {cfg.t_final:.6g} (raise --steps)")
            traj.stopped_step = k
    except SolveError as exc:
        traj.stopped_reason, traj.stopped_step = str(exc), k
    except KeyboardInterrupt:
        traj.interrupted = True
        rec.norms.v = snapshot
        _truncate(traj, k + 1 if k1 is not None else k)  # without the FSAL gradient theta(k) is redone
        traj.stopped_reason, traj.stopped_step = f"interrupted by the user at t = {t:.6g} (step {k})", k
    traj.final = p.numpy(bk)
    if on_checkpoint is not None:
        on_checkpoint(_state("gf", k, t, p, Z, B, rec, {"h": h, "grads": _grads_np(bk, k1)}), traj)
    return traj
