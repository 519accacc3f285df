"""Figures of a sweep (matplotlib, Agg): phase diagrams, m* against n with the theory's lines, the
concentration of G(0) (L3.3) against the m^(-1/2) reference, lambda_min(G(k))/lambda0 over the runs, and the
paper's Figure 1 (training loss, test loss, (gamma/sqrt(m))||A(k)||, and test accuracy against the epoch)."""
from __future__ import annotations

import io
import math
from collections import defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

__all__ = ["make_sweep_figures"]

_MAX_PANELS = 6


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def _legend(ax, fontsize) -> None:
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=fontsize)


def _series_label(rec: dict, varying: list[str], skip=("n", "width", "data_seed", "seed")) -> str:
    """The settings that tell one panel from another (the dataset first), wrapped to fit a panel's title."""
    import textwrap

    cols = list(dict.fromkeys(["dataset"] + [c for c in varying if c not in skip]))
    parts = [f"{c}={rec.get(c)}" for c in cols if c in rec]
    return textwrap.fill(", ".join(parts), 48)


def _phase(agg: dict, event: str) -> bytes | None:
    recs = [p for p in agg["probabilities"] if p["event"] == event and p.get("n") is not None]
    if not recs:
        return None
    varying = agg["varying"]
    series = defaultdict(list)
    for p in recs:
        series[_series_label(p, varying)].append(p)
    panels = [(k, v) for k, v in series.items() if len({p["n"] for p in v}) >= 1 and len({p["width"] for p in v}) >= 2]
    if not panels:
        return None
    panels = panels[:_MAX_PANELS]
    cols = max(len({p["width"] for p in ps}) for _, ps in panels)
    fig, axes = plt.subplots(1, len(panels), figsize=(max(4.6, 0.42 * cols + 1.8) * len(panels), 3.6), squeeze=False)
    for ax, (label, ps) in zip(axes[0], panels):
        ns = sorted({p["n"] for p in ps})
        ws = sorted({p["width"] for p in ps})
        P = np.full((len(ns), len(ws)), np.nan)
        for p in ps:
            P[ns.index(p["n"]), ws.index(p["width"])] = p["p"]
        im = ax.imshow(P, origin="lower", aspect="auto", vmin=0, vmax=1, cmap="viridis")
        ax.set_xticks(range(len(ws)), [str(w) for w in ws], rotation=45, fontsize=8)
        ax.set_yticks(range(len(ns)), [str(n) for n in ns], fontsize=8)
        for i in range(len(ns) if len(ws) <= 12 else 0):   # the values themselves, while they fit
            for j in range(len(ws)):
                if np.isfinite(P[i, j]):
                    ax.text(j, i, f"{P[i, j]:.2f}", ha="center", va="center", fontsize=7,
                            color="white" if P[i, j] < 0.5 else "black")
        ax.set_xlabel("width m")
        ax.set_ylabel("n")
        ax.set_title(label, fontsize=8)
    fig.colorbar(im, ax=axes[0].tolist(), shrink=0.8, label="success probability")
    fig.suptitle(f"Phase diagram: P({event})", fontsize=10, y=1.04)
    return _png(fig)


_EVENT_ORDER = ("linear_convergence", "all:L3.6", "all:L3.5", "G0_close", "holds:T3.2", "holds:T3.1")


def _mstar(agg: dict) -> bytes | None:
    def uncensored(f):
        return sum(p["censored"] is None for p in f["points"])

    fits = [f for f in agg["exponent_fits"] if uncensored(f) >= 2]
    if not fits:
        return None
    by_event = defaultdict(list)
    for f in fits:
        by_event[(f["event"], _series_label(f, agg["varying"]))].append(f)
    order = {e: i for i, e in enumerate(_EVENT_ORDER)}
    panels = sorted(by_event.items(), key=lambda kv: order.get(kv[0][0], 99))[:_MAX_PANELS]
    ncol = min(3, len(panels))
    nrow = math.ceil(len(panels) / ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(5.2 * ncol, 4.0 * nrow), squeeze=False)
    for ax in axes.flat[len(panels):]:
        ax.set_visible(False)
    for ax, ((event, label), fs) in zip(axes.flat, panels):
        pts = fs[0]["points"]
        n = np.array([p["n"] for p in pts], dtype=float)
        ms = np.array([p["m_star_interpolated"] if p["censored"] is None else np.nan for p in pts], dtype=float)
        lo = np.array([p["m_fail"] if p["m_fail"] is not None else np.nan for p in pts], dtype=float)
        hi = np.array([p["m_star"] if p["m_star"] is not None else np.nan for p in pts], dtype=float)
        ok = np.isfinite(ms)
        lo_err = np.where(np.isfinite(lo[ok]), ms[ok] - lo[ok], 0.0)
        hi_err = np.where(np.isfinite(hi[ok]), hi[ok] - ms[ok], 0.0)
        ax.errorbar(n[ok], ms[ok], yerr=[np.maximum(lo_err, 0.0), np.maximum(hi_err, 0.0)], fmt="o", color="k",
                    capsize=3, label="observed m* (bar: last failing to first passing width)")
        fit = fs[0]["n"]["empirical"]
        if math.isfinite(fit["slope"]):
            xx = np.geomspace(n[ok].min(), n[ok].max(), 20)
            ci = fit["ci"]
            ci_s = f" [{ci[0]:.2f}, {ci[1]:.2f}]" if all(map(math.isfinite, ci)) else " (no interval)"
            ax.plot(xx, np.exp(fit["intercept"]) * xx ** fit["slope"], "k-", lw=1,
                    label=f"fit: m* ~ n^{fit['slope'] + 0.0:.2f}{ci_s}")
        for i, f in enumerate(fs):
            th = np.array([p["theory_width_C1"] for p in f["points"]], dtype=float)
            good = ok & np.isfinite(th) & (th > 0)
            if not good.any():
                continue
            scale = float(np.exp(np.median(np.log(ms[good] / th[good]))))   # the theory's shape through the points
            ax.plot(n, scale * th, "--", color=f"C{i}", lw=1.2,
                    label=f"{f['statement']} width, shape only (n^{f['n']['theory_on_this_data']:.2f} here)")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("n")
        ax.set_ylabel("critical width m*")
        ax.set_title(f"{event}\n{label}", fontsize=8)
        _legend(ax, 6)
        ax.grid(alpha=0.3, which="both")
    fig.tight_layout()
    return _png(fig)


def _g0(rows: list[dict]) -> bytes | None:
    rs = [r for r in rows if r.get("G0_minus_Ginf_norm") is not None and r.get("lambda0")]
    if len({r["width"] for r in rs}) < 2:
        return None
    groups = defaultdict(list)
    for r in rs:
        groups[(r["dataset"], r["n"], r["data_seed"])].append(r)
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for i, ((ds, n, dseed), g) in enumerate(sorted(groups.items(), key=lambda kv: (str(kv[0][0]), kv[0][1] or 0))[:8]):
        col = f"C{i}"
        m = np.array([r["width"] for r in g], dtype=float)
        dev = np.array([r["G0_minus_Ginf_norm"] for r in g], dtype=float)
        ax.scatter(m, dev, s=8, alpha=0.4, color=col)
        ws = np.unique(m)
        med = np.array([np.median(dev[m == w]) for w in ws])
        ax.plot(ws, med, "-", color=col, lw=1.5, label=f"{ds}, n={n}: median over seeds")
        ax.plot(ws, med[0] * np.sqrt(ws[0] / ws), ":", color=col, lw=1)
        ax.axhline(g[0]["lambda0"] / 4, ls="--", color=col, lw=0.8)
    ax.plot([], [], "k:", label=r"$m^{-1/2}$ reference (through the first median)")
    ax.plot([], [], "k--", lw=0.8, label=r"$\lambda_0/4$ (L3.3)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("width m")
    ax.set_ylabel(r"$\|G(0) - G_\infty\|_2$")
    ax.set_title("Concentration of G(0) around G_inf (L3.3)")
    _legend(ax, 7)
    ax.grid(alpha=0.3, which="both")
    return _png(fig)


def _lambda_ratio(rows: list[dict]) -> bytes | None:
    rs = [r for r in rows if r.get("min_lambda_G_ratio") is not None]
    if not rs:
        return None
    groups = defaultdict(list)
    for r in rs:
        groups[(r["dataset"], r["n"])].append(r)
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for i, ((ds, n), g) in enumerate(sorted(groups.items(), key=lambda kv: (str(kv[0][0]), kv[0][1] or 0))[:8]):
        col = f"C{i}"
        m = np.array([r["width"] for r in g], dtype=float)
        lo = np.array([r["min_lambda_G_ratio"] for r in g], dtype=float)
        jit = np.exp(np.random.default_rng(i).uniform(-0.06, 0.06, len(m)))
        ax.scatter(m * jit, lo, s=8, alpha=0.4, color=col)
        ws = np.unique(m)
        ax.plot(ws, [np.median(lo[m == w]) for w in ws], "-", color=col, label=f"{ds}, n={n}: median of min_k")
    ax.axhline(0.5, ls="--", color="k", lw=1, label=r"L3.5/L3.6 (i): $\lambda_0/2$")
    ax.axhline(0.75, ls=":", color="k", lw=1, label=r"L3.3: $3\lambda_0/4$ at k = 0")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("width m")
    ax.set_ylabel(r"$\min_k \lambda_{\min}(G(k)) / \lambda_0$")
    ax.set_title(r"$\lambda_{\min}(G(k))/\lambda_0$ over each run (one dot per run)")
    _legend(ax, 7)
    ax.grid(alpha=0.3, which="both")
    return _png(fig)


def _figure1(rows: list[dict], out: Path) -> dict:
    """Per dataset, the paper's Figure 1 columns (log10 loss per sample, train and test; (gamma/sqrt(m))||A(k)||)
    and the test accuracy, one line per width (the smallest seed)."""
    figs = {}
    rs = [r for r in rows if r.get("mode") == "train" and r.get("n_test") and r.get("status") in ("finished", "stopped")]
    by_ds = defaultdict(dict)
    for r in sorted(rs, key=lambda r: r["seed"]):
        by_ds[(r["dataset"], r["n"])].setdefault(r["width"], r)
    for (ds, n), by_w in by_ds.items():
        fig, axes = plt.subplots(1, 4, figsize=(18, 3.6))
        for i, (w, r) in enumerate(sorted(by_w.items())):
            d = out / r["dir"]
            try:
                with np.load(d / "trajectory.npz") as f:
                    k, loss, contr = f["step"], f["loss"], f["contraction"]
                with np.load(d / "test_curve.npz") as f:
                    tk, tl, ta, nt = f["step"], f["test_loss"], f["test_accuracy"], int(f["n_test"])
            except (OSError, KeyError):
                continue
            col = f"C{i}"
            axes[0].plot(k, np.log10(np.maximum(loss / r["n"], 1e-300)), color=col, label=f"width {w}")
            axes[1].plot(tk, np.log10(np.maximum(tl / nt, 1e-300)), color=col, label=f"width {w}")
            axes[2].plot(k, contr, color=col, label=f"width {w}")
            axes[3].plot(tk, ta, color=col, label=f"width {w}")
        titles = ("train loss", "test loss", "operator norm of layer", "test accuracy")
        ylabels = (r"$\log_{10}$ (loss / n)", r"$\log_{10}$ (test loss / n_test)",
                   r"$(\gamma/\sqrt{m})\|A(k)\|$", "fraction correct (sign of the output)")
        for ax, t, yl in zip(axes, titles, ylabels):
            ax.set_title(t)
            ax.set_xlabel("epoch (GD step)")
            ax.set_ylabel(yl)
            ax.grid(alpha=0.3)
            _legend(ax, 7)
        fig.suptitle(f"Figure 1 protocol: {ds}, n = {n} (loss = 1/2 ||yhat - y||^2, shown per sample)", fontsize=10)
        figs[f"figure1_{_slug(ds)}_n{n}"] = (f"Figure 1 protocol on {ds} (n = {n}): training loss, test loss, "
                                            "(gamma/sqrt(m))||A(k)||, test accuracy", _png(fig))
    return figs


def _slug(s) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in str(s)).strip("-")[:40]


def make_sweep_figures(rows: list[dict], agg: dict, out: Path) -> dict:
    """name -> (title, PNG bytes)."""
    figs = {}
    for event in agg["main_events"][:3]:
        png = _phase(agg, event)
        if png:
            figs[f"phase_{_slug(event)}"] = (f"Phase diagram: success probability of '{event}' over n and m", png)
    png = _mstar(agg)
    if png:
        figs["mstar_vs_n"] = ("Empirical critical width m* against n, with the theory's widths (shape x empirical C)", png)
    png = _g0(rows)
    if png:
        figs["g0_concentration"] = ("||G(0) - G_inf|| against m, with the m^(-1/2) reference and lambda0/4", png)
    png = _lambda_ratio(rows)
    if png:
        figs["lambda_min_ratio"] = ("min_k lambda_min(G(k))/lambda0 per run, against L3.6 (i)'s 1/2", png)
    figs.update(_figure1(rows, out))
    return figs
