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


def make_figures(traj: dict, th: dict, env: dict) -> dict:
    """name -> (title, PNG bytes)."""
    k = np.asarray(traj["step"])
    figs = {}

    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    ax.semilogy(k, _finite(traj["residual_sq"]), label=r"observed $\|\hat y(k)-y\|^2$", lw=2)
    ax.semilogy(k, _finite(env["residual_sq"]), "--", label=r"T3.2 / L3.6(vi): $(1-\alpha\lambda_0/2)^k\|r_0\|^2$")
    ax.set_xlabel("GD step k")
    ax.set_ylabel("squared residual (log)")
    ax.set_title("Training loss against the T3.2 envelope")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, which="both")
    figs["loss"] = ("Loss against the T3.2 envelope", _png(fig))

    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    ax.plot(k, traj["lambda_min_G"], label=r"observed $\lambda_{\min}(G(k))$", lw=2)
    ax.axhline(th["lambda0"] / 2, ls="--", color="C1", label=r"L3.6(i) bound $\lambda_0/2$")
    ax.axhline(th["lambda0"], ls=":", color="C2", label=r"$\lambda_0$")
    ax.set_yscale("log")
    ax.set_xlabel("GD step k")
    ax.set_ylabel("eigenvalue (log)")
    ax.set_title(r"$\lambda_{\min}(G(k))$ against $\lambda_0/2$")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, which="both")
    figs["lambda_min"] = ("lambda_min(G(k)) against lambda0/2", _png(fig))

    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    ax.plot(k, traj["A_norm_scaled"], label=r"$\|A(k)\|/\sqrt{m}$", lw=2)
    ax.plot(k, traj["W_norm_scaled"], label=r"$\|W(k)\|/\sqrt{m}$", lw=2)
    ax.axhline(2 * th["c_emp"], ls="--", color="C3", label=r"L3.6(iv),(v) bound $2c$")
    ax.axhline(th["c_emp"], ls=":", color="C7", label=r"$c$ (empirical)")
    ax.set_ylim(0, 2.3 * th["c_emp"])
    ax.set_xlabel("GD step k")
    ax.set_title(r"Scaled operator norms against $2c$")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    figs["norms"] = ("||A(k)||/sqrt(m), ||W(k)||/sqrt(m) against 2c", _png(fig))

    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    ax.semilogy(k, traj["u_norm"], label=r"$\|u(k)\|$", lw=2)
    ax.semilogy(k, traj["v_norm"], label=r"$\|v(k)\|$", lw=2)
    ax.semilogy(k, _finite(env["u_norm"]), "--", label=r"L3.6(ii) $32c\sqrt{n}\|r_0\|/\lambda_0$")
    ax.semilogy(k, _finite(env["v_norm"]), "--", label=r"L3.6(iii) $16c\sqrt{n}\|r_0\|/\lambda_0$")
    ax.set_xlabel("GD step k")
    ax.set_title(r"$\|u(k)\|$, $\|v(k)\|$ against their L3.6 bounds (log)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, which="both")
    figs["uv"] = ("||u(k)||, ||v(k)|| against their L3.6 bounds", _png(fig))

    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    ax.plot(k, traj["contraction"], lw=2, label=r"$(\gamma/\sqrt{m})\|A(k)\|$")
    ax.axhline(0.5, ls="--", color="C3", label=r"L2.2: $\gamma_0 = 1/2$")
    ax.axhline(1.0, ls=":", color="k", label="contraction limit 1")
    ax.set_ylim(0, 1.1)
    ax.set_xlabel("GD step k")
    ax.set_title("Well-posedness margin of the equilibrium")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    figs["contraction"] = ("Well-posedness margin (gamma/sqrt(m))||A(k)||", _png(fig))
    return figs
