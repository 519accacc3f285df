"""Figures of a run: observed trajectories beside the bounds of the statements (matplotlib, Agg).

Every bound drawn is an array of `proofs_checks.theory_numbers.envelopes`, the numbers the verdicts compare
with; `Figure.curves` keeps the arrays each figure plots, so a test can check a drawn bound against a verdict.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

__all__ = ["Curve", "Figure", "make_figures"]

#: Below this many records every observed curve carries markers, so one or two points are still visible.
_MARKERS_BELOW = 60


@dataclass(frozen=True)
class Curve:
    """One plotted line: `kind` is "observed" (a trajectory array), "bound" (an envelope array, the verdicts'
    number) or "reference" (a constant drawn for orientation); `key` names the array it was drawn from."""
    label: str
    kind: str
    key: str
    x: np.ndarray
    y: np.ndarray
    style: dict = field(default_factory=dict)   # as drawn: color, linestyle, linewidth, marker, zorder


@dataclass(frozen=True)
class Figure:
    """A figure of the report: PNG bytes, or `png is None` and a `note` saying why nothing was drawn."""
    name: str
    title: str
    caption: str
    png: bytes | None
    note: str = ""
    curves: tuple[Curve, ...] = field(default_factory=tuple)
    xlabel: str = ""
    ylabel: str = ""

    @property
    def drawn(self) -> bool:
        return self.png is not None

    def curve(self, kind: str, key: str) -> Curve:
        return next(c for c in self.curves if c.kind == kind and c.key == key)


def _finite(x):
    x = np.asarray(x, dtype=np.float64)
    return np.where(np.isfinite(x), x, np.nan)


def _positive(x):
    x = _finite(x)
    return np.where(x > 0, x, np.nan)


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def _g(x) -> str:
    return f"{float(x):.3g}"


def _ratio(a, b) -> float:
    """a/b for a caption; nan where b is 0 or either is not finite (no warning: a caption never fails)."""
    a, b = float(a), float(b)
    return a / b if b != 0 and np.isfinite(a) and np.isfinite(b) else float("nan")


def _nanext(x, which) -> float:
    """Smallest or largest finite value of x; nan when there is none."""
    x = _finite(x)
    x = x[np.isfinite(x)]
    return float(which(x)) if x.size else float("nan")


def _factor(x) -> str:
    """A factor by which something fell: "20.4", or "1 + 4e-06" when it barely differs from 1."""
    x = float(x)
    return f"1 + {x - 1:.2g}" if 1 < x < 1.01 else _g(x)


class _Plot:
    """One axes plus the record of what was drawn on it."""

    def __init__(self, x, xlabel: str, ylabel: str, title: str, *, log: bool):
        self.fig, self.ax = plt.subplots(figsize=(6.4, 3.8))
        self.x, self.log, self.curves = np.asarray(x, dtype=np.float64), log, []
        if log:
            self.ax.set_yscale("log")
        self.ax.set_xlabel(xlabel)
        self.ax.set_ylabel(ylabel)
        self.ax.set_title(title)
        self.ax.grid(alpha=0.3, which="both" if log else "major")

    def line(self, y, label: str, kind: str, key: str, x=None, **style):
        x = self.x if x is None else np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        if kind == "observed" and len(x) < _MARKERS_BELOW:
            style.setdefault("marker", "o")
            style.setdefault("ms", 3.5)
        (art,) = self.ax.plot(x, _positive(y) if self.log else _finite(y), label=label, **style)
        drawn = {"color": matplotlib.colors.to_hex(art.get_color()), "linestyle": art.get_linestyle(),
                 "linewidth": art.get_linewidth(), "marker": art.get_marker(), "zorder": art.get_zorder()}
        self.curves.append(Curve(label, kind, key, x, y, drawn))

    def done(self, name: str, title: str, caption: str, legend_fontsize: float = 8, legend_loc: str = "best") -> Figure:
        self.ax.legend(fontsize=legend_fontsize, framealpha=0.9, loc=legend_loc)
        xlabel, ylabel = self.ax.get_xlabel(), self.ax.get_ylabel()
        return Figure(name, title, caption, _png(self.fig), curves=tuple(self.curves), xlabel=xlabel, ylabel=ylabel)


def _skip(name: str, title: str, caption: str, note: str) -> Figure:
    return Figure(name, title, caption, None, note=note)


def _max_rel_change(y) -> float:
    y = _finite(y)
    if not y.size or not np.isfinite(y[0]) or y[0] == 0:
        return float("nan")
    return _nanext(np.abs(y / y[0] - 1.0), np.max)


def make_figures(traj: dict, th, env: dict) -> dict[str, Figure]:
    """name -> Figure. th: the run's TheoryNumbers; env: its `envelopes` (the verdicts' bounds, per record)."""
    gf = th.method == "gf"
    x = np.asarray(traj["time"] if gf else traj["step"], dtype=np.float64)
    K = len(x)
    xlabel = "time t (gradient flow)" if gf else "GD step k"
    idx = "t" if gf else "k"
    lem, thm = ("L3.5", "T3.1") if gf else ("L3.6", "T3.2")
    figs: dict[str, Figure] = {}

    # Loss against the (vi) envelope.
    title = f"Loss against the {thm} envelope"
    env_txt = "exp(-lambda0 t) ||r0||^2" if gf else "(1 - alpha lambda0/2)^k ||r0||^2"
    res = _positive(traj["residual_sq"])
    if np.sum(np.isfinite(res)) < 2:
        figs["loss"] = _skip("loss", title, "", f"Not drawn: {int(np.sum(np.isfinite(res)))} recorded point(s) with a "
                             f"finite positive loss; comparing a trajectory with the envelope {env_txt} needs at "
                             "least two.")
    else:
        p = _Plot(x, xlabel, r"$\|\hat y-y\|^2$ (log)", title, log=True)
        p.line(env["residual_sq"], rf"{thm} / {lem}(vi) bound: " + (r"$e^{-\lambda_0 t}\|r_0\|^2$" if gf
               else r"$(1-\alpha\lambda_0/2)^k\|r_0\|^2$"), "bound", "residual_sq", ls="--", color="C3", lw=1.8,
               zorder=2)
        p.line(traj["residual_sq"], r"observed $\|\hat y-y\|^2$", "observed", "residual_sq", color="C0", lw=2,
               zorder=3)
        last = int(np.flatnonzero(np.isfinite(res))[-1])
        obs_f, env_f = _ratio(res[0], res[last]), _ratio(env["residual_sq"][0], env["residual_sq"][last])
        caption = (f"The conclusion holds while the solid curve stays on or below the dashed envelope {env_txt} "
                   f"({lem} (vi), {thm}); both start at ||r0||^2 by definition. Over the run the loss fell by a factor "
                   f"{_factor(obs_f)}; the envelope guarantees a factor {_factor(env_f)}.")
        figs["loss"] = p.done("loss", title, caption)

    # lambda_min(G) against lambda0/2.
    title = r"$\lambda_{\min}(G(" + idx + r"))$ against $\lambda_0/2$"
    p = _Plot(x, xlabel, "eigenvalue (log)", title, log=True)
    p.line(np.full(K, th.lambda0), r"$\lambda_0 = \lambda_{\min}(G^\infty)$", "reference", "lambda0", ls=":",
           color="C2", zorder=1)
    p.line(env["lambda_min_G"], lem + r"(i) bound $\lambda_0/2$", "bound", "lambda_min_G", ls="--", color="C3",
           zorder=2)
    p.line(traj["lambda_min_G"], r"observed $\lambda_{\min}(G(" + idx + "))$", "observed", "lambda_min_G", lw=2,
           color="C0", zorder=3)
    lo = _nanext(traj["lambda_min_G"], np.min)
    caption = (f"{lem} (i) holds while the solid curve stays on or above the dashed lambda0/2. Its smallest value, "
               f"{_g(lo)}, is {_g(_ratio(lo, th.lambda0 / 2))} times lambda0/2; the dotted line is lambda0 itself.")
    figs["lambda_min"] = p.done("lambda_min", "lambda_min(G) against lambda0/2", caption)

    # ||A||/sqrt(m), ||W||/sqrt(m) against 2c.
    title = r"Scaled operator norms against $2c$"
    p = _Plot(x, xlabel, r"operator norm / $\sqrt{m}$", title, log=False)
    p.line(np.full(K, th.c), r"$c$ (empirical: $\|A(0)\|/\sqrt{m}$ or $\|W(0)\|/\sqrt{m}$)", "reference", "c",
           ls=":", color="0.45", lw=1.2, zorder=1)
    p.line(env["A_norm_scaled"], lem + r"(iv),(v) bound $2c$", "bound", "A_norm_scaled", ls="--", color="C3",
           zorder=2)
    p.line(traj["W_norm_scaled"], r"$\|W(" + idx + r")\|/\sqrt{m}$", "observed", "W_norm_scaled", lw=2, color="C1",
           zorder=3)
    p.line(traj["A_norm_scaled"], r"$\|A(" + idx + r")\|/\sqrt{m}$", "observed", "A_norm_scaled", lw=2, color="C0",
           ls="-", zorder=4, marker="s", markevery=max(1, K // 12), ms=4)
    if np.isfinite(th.c) and th.c > 0:
        p.ax.set_ylim(0, 2.3 * th.c)
    hi = _nanext([_nanext(traj["A_norm_scaled"], np.max), _nanext(traj["W_norm_scaled"], np.max)], np.max)
    caption = (f"{lem} (iv) and (v) hold while both solid curves stay below the dashed 2c. The largest scaled norm "
               f"is {_g(hi)}, {_g(_ratio(hi, 2 * th.c))} of 2c; the curve starting on the dotted line c is the matrix that "
               "defines c.")
    figs["norms"] = p.done("norms", "||A||/sqrt(m), ||W||/sqrt(m) against 2c", caption)

    # ||u||, ||v|| against their bounds: both start at sqrt(m), so they overlap; distinct styles keep both visible.
    title = r"$\|u\|$, $\|v\|$ against their " + lem + " bounds"
    cu, cv = (16, 8) if gf else (32, 16)
    p = _Plot(x, xlabel, "Euclidean norm (log)", title, log=True)
    p.line(env["u_norm"], lem + rf"(ii) bound ${cu}c\sqrt{{n}}\|r_0\|/\lambda_0$", "bound", "u_norm", ls="--",
           color="C0", lw=1.4, zorder=1)
    p.line(env["v_norm"], lem + rf"(iii) bound ${cv}c\sqrt{{n}}\|r_0\|/\lambda_0$", "bound", "v_norm", ls="-.",
           color="C1", lw=1.4, zorder=1)
    p.line(traj["u_norm"], r"$\|u(" + idx + r")\|$", "observed", "u_norm", lw=3.5, color="C0", alpha=0.6, zorder=3,
           marker="o", ms=6, markevery=max(1, K // 10))
    p.line(traj["v_norm"], r"$\|v(" + idx + r")\|$", "observed", "v_norm", lw=1.2, color="C1", ls="-", zorder=4,
           marker="x", ms=6, markevery=(max(1, K // 20), max(1, K // 10)))
    du, dv = _max_rel_change(traj["u_norm"]), _max_rel_change(traj["v_norm"])
    ratio = _nanext([_ratio(env["u_norm"][0], _nanext(traj["u_norm"], np.max)),
                     _ratio(env["v_norm"][0], _nanext(traj["v_norm"], np.max))], np.min)
    caption = (f"{lem} (ii) and (iii) hold while each solid curve stays below its dashed bound (same colour). "
               f"Both norms start at sqrt(m) = {_g(np.sqrt(th.m))} by hypothesis, so the two curves overlap: "
               f"||u|| (thick, circles) moved at most {_g(100 * du)}% and ||v|| (thin, crosses) {_g(100 * dv)}% from it. "
               f"The bounds are at least {_g(ratio)} times the norms.")
    figs["uv"] = p.done("uv", f"||u||, ||v|| against their {lem} bounds", caption)

    # Contraction factor of the equilibrium map.
    title = "Well-posedness margin of the equilibrium"
    p = _Plot(x, xlabel, r"$(\gamma/\sqrt{m})\,\|A(" + idx + r")\|$", title, log=False)
    p.line(np.ones(K), "contraction limit 1", "reference", "one", ls=":", color="k", zorder=1)
    p.line(env["contraction"], r"L2.2 bound $\gamma_0 = 1/2$", "bound", "contraction", ls="--", color="C3", zorder=2)
    p.line(traj["contraction"], r"observed $(\gamma/\sqrt{m})\|A(" + idx + r")\|$", "observed", "contraction", lw=2,
           color="C0", zorder=3)
    p.ax.set_ylim(0, 1.1)
    hi = _nanext(traj["contraction"], np.max)
    caption = (f"The equilibrium z = ReLU((gamma/sqrt(m)) A z + phi) is unique while the solid curve stays below 1; "
               f"L2.2 and the proofs use the stronger gamma0 = 1/2 (dashed). Its largest value is {_g(hi)}.")
    figs["contraction"] = p.done("contraction", "Well-posedness margin (gamma/sqrt(m))||A||", caption,
                                 legend_loc="center right")

    if len(traj.get("ntk_step", [])):
        kx = x[np.asarray(traj["ntk_step"])]
        title = "NTK of L3.1 and its three terms"
        p = _Plot(kx, xlabel, "smallest eigenvalue (log)", title, log=True)
        p.line(np.full(len(kx), th.lambda0 / 2), r"$\lambda_0/2$ (the proofs' lower bound, via G)", "reference",
               "lambda0_half", ls="--", color="k", zorder=1)
        p.line(traj["ntk_lambda_min_uv_term"], r"$\lambda_{\min}(ZZ^T+\Phi\Phi^T)$ (u, v)", "observed",
               "ntk_lambda_min_uv_term", color="C1", marker="^", ms=5, zorder=2)
        p.line(traj["ntk_lambda_min_W_term"], r"$\lambda_{\min}(Q\circ XX^T)$ (W)", "observed", "ntk_lambda_min_W_term",
               color="C2", marker="s", ms=4, zorder=2)
        p.line(traj["ntk_lambda_min_A_term"], r"$\lambda_{\min}(\gamma^2 M\circ ZZ^T)$ (A)", "observed",
               "ntk_lambda_min_A_term", color="C3", ls=":", marker="v", ms=5, zorder=2)
        p.line(traj["ntk_lambda_min_H"], r"$\lambda_{\min}(H)$", "observed", "ntk_lambda_min_H", color="C0", lw=2.5,
               marker="o", ms=4, zorder=3)
        hmin = _nanext(traj["ntk_lambda_min_H"], np.min)
        nonpos = [name for key, name in (("ntk_lambda_min_uv_term", "(u, v)"), ("ntk_lambda_min_W_term", "W"),
                                         ("ntk_lambda_min_A_term", "A"))
                  if np.any(~(_finite(traj[key]) > 0))]
        caption = ("H is the sum of three positive semidefinite Gram matrices, so the thick curve lies on or above "
                   "every term's curve; the proofs bound it below only by lambda0/2 (dashed). Its smallest value here "
                   f"is {_g(hmin)}, {_g(_ratio(hmin, th.lambda0 / 2))} times lambda0/2."
                   + (f" Not drawn where zero or below (log scale): the {', '.join(nonpos)} term(s)." if nonpos else ""))
        figs["ntk"] = p.done("ntk", "NTK H of L3.1: lambda_min of H and of each term", caption, legend_fontsize=7)
    return figs
