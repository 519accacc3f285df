"""The implicit network of the paper: A1 initialization, equilibrium solves, IFT gradients, training."""
from .model import Params, init_params, features
from .solvers import SolveError, SolveStats, solve_forward, solve_adjoint
from .gradients import Evaluation, evaluate
from .train import NTK_KEYS, TRAJECTORY_KEYS, TrainConfig, Trajectory, train_gd, train_gf
from .backend import get_backend

__all__ = ["Params", "init_params", "features", "SolveError", "SolveStats", "solve_forward",
           "solve_adjoint", "Evaluation", "evaluate", "TrainConfig", "Trajectory", "train_gd",
           "train_gf", "TRAJECTORY_KEYS", "NTK_KEYS", "get_backend"]
