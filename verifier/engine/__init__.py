"""The implicit network of the paper: A1 initialization, equilibrium solves, IFT gradients, training."""
from .backend import get_backend
from .gradients import Evaluation, evaluate
from .model import Params, features, init_params
from .solvers import SolveError, SolveStats, solve_adjoint, solve_forward
from .train import NTK_KEYS, TRAJECTORY_KEYS, TrainConfig, Trajectory, train_gd, train_gf

__all__ = ["Params", "init_params", "features", "SolveError", "SolveStats", "solve_forward",
           "solve_adjoint", "Evaluation", "evaluate", "TrainConfig", "Trajectory", "train_gd",
           "train_gf", "TRAJECTORY_KEYS", "NTK_KEYS", "get_backend"]
