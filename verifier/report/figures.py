"""Figures of a run: observed trajectories beside the theoretical bounds (matplotlib, Agg)."""
from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

__all__ = ["make_figures"]


def _finite(x):
    x = np.asarray(x, dtype=np.float64)
    return np.where(np.isfinite(x), x, np.nan)


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def make_figures(traj: dict, th, env: dict) -> dict:
    """name -> (title, PNG bytes). th: the run's TheoryNumbers; env: its `envelopes` (the verdicts' bounds)."""
    gf = th.method == "gf"
    k = np.asarray(traj["time"] if gf else traj["step"])
    xlabel = "time t (gradient flow)" if gf else "GD step k"
    lem, thm = ("L3.5", "T3.1") if gf else ("L3.6", "T3.2")
    figs = {}

    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    ax.semilogy(k, _finite(traj["residual_sq"]), label=r"observed $\|\hat y-y\|^2$", lw=2)
    env_label = (r"T3.1 / L3.5(vi): $e^{-\lambda_0 t}\|r_0\|^2$" if gf
                 else r"T3.2 / L3.6(vi): $(1-\alpha\lambda_0/2)^k\|r_0\|^2$")
    ax.semilogy(k, _finite(env["residual_sq"]), "--", label=env_label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("squared residual (log)")
    ax.set_title(f"Training loss against the {thm} envelope")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, which="both")
    figs["loss"] = (f"Loss against the {thm} envelope", _png(fig))

    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    ax.plot(k, traj["lambda_min_G"], label=r"observed $\lambda_{\min}(G(k))$", lw=2)
    ax.plot(k, env["lambda_min_G"], ls="--", color="C1", label=lem + r"(i) bound $\lambda_0/2$")
    ax.axhline(th.lambda0, ls=":", color="C2", label=r"$\lambda_0$")
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("eigenvalue (log)")
    ax.set_title(r"$\lambda_{\min}(G(k))$ against $\lambda_0/2$")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, which="both")
    figs["lambda_min"] = ("lambda_min(G(k)) against lambda0/2", _png(fig))

    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    ax.plot(k, traj["A_norm_scaled"], label=r"$\|A(k)\|/\sqrt{m}$", lw=2)
    ax.plot(k, traj["W_norm_scaled"], label=r"$\|W(k)\|/\sqrt{m}$", lw=2)
    ax.plot(k, env["W_norm_scaled"], ls="--", color="C3", label=lem + r"(iv),(v) bound $2c$")
    ax.axhline(th.c, ls=":", color="C7", label=r"$c$ (empirical)")
    ax.set_ylim(0, 2.3 * th.c)
    ax.set_xlabel(xlabel)
    ax.set_title(r"Scaled operator norms against $2c$")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    figs["norms"] = ("||A(k)||/sqrt(m), ||W(k)||/sqrt(m) against 2c", _png(fig))

    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    ax.semilogy(k, traj["u_norm"], label=r"$\|u(k)\|$", lw=2)
    ax.semilogy(k, traj["v_norm"], label=r"$\|v(k)\|$", lw=2)
    cu, cv = (16, 8) if gf else (32, 16)
    ax.semilogy(k, _finite(env["u_norm"]), "--", label=lem + rf"(ii) ${cu}c\sqrt{{n}}\|r_0\|/\lambda_0$")
    ax.semilogy(k, _finite(env["v_norm"]), "--", label=lem + rf"(iii) ${cv}c\sqrt{{n}}\|r_0\|/\lambda_0$")
    ax.set_xlabel(xlabel)
    ax.set_title(r"$\|u\|$, $\|v\|$ against their " + lem + " bounds (log)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, which="both")
    figs["uv"] = (f"||u||, ||v|| against their {lem} bounds", _png(fig))

    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    ax.plot(k, traj["contraction"], lw=2, label=r"$(\gamma/\sqrt{m})\|A(k)\|$")
    ax.plot(k, env["contraction"], ls="--", color="C3", label=r"L2.2: $\gamma_0 = 1/2$")
    ax.axhline(1.0, ls=":", color="k", label="contraction limit 1")
    ax.set_ylim(0, 1.1)
    ax.set_xlabel(xlabel)
    ax.set_title("Well-posedness margin of the equilibrium")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    figs["contraction"] = ("Well-posedness margin (gamma/sqrt(m))||A(k)||", _png(fig))

    if len(traj.get("ntk_step", [])):
        idx = np.asarray(traj["ntk_step"])
        kx = k[idx]
        fig, ax = plt.subplots(figsize=(6.4, 3.8))
        ax.semilogy(kx, traj["ntk_lambda_min_H"], "o-", ms=3, lw=2, label=r"$\lambda_{\min}(H)$")
        ax.semilogy(kx, traj["ntk_lambda_min_uv_term"], ".-", label=r"$\lambda_{\min}(ZZ^T+\Phi\Phi^T)$ (u, v)")
        ax.semilogy(kx, traj["ntk_lambda_min_W_term"], ".-", label=r"$\lambda_{\min}(Q\circ XX^T)$ (W)")
        ax.semilogy(kx, np.maximum(traj["ntk_lambda_min_A_term"], 1e-300), ".-",
                    label=r"$\lambda_{\min}(\gamma^2 M\circ ZZ^T)$ (A)")
        ax.axhline(th.lambda0 / 2, ls="--", color="k", label=r"$\lambda_0/2$ (the proofs' lower bound via G)")
        ax.set_xlabel(xlabel)
        ax.set_title("NTK of L3.1 and its three terms")
        ax.legend(fontsize=7)
        ax.grid(alpha=0.3, which="both")
        figs["ntk"] = ("NTK H of L3.1: lambda_min of H and of each term", _png(fig))
    return figs
