"""The implicit network of the paper: A1 initialization, equilibrium solves, IFT gradients, training."""
from .model import Params, init_params, features
from .solvers import SolveError, SolveStats, solve_forward, solve_adjoint
from .gradients import Evaluation, evaluate
from .train import TrainConfig, Trajectory, train_gd, TRAJECTORY_KEYS

__all__ = ["Params", "init_params", "features", "SolveError", "SolveStats", "solve_forward",
           "solve_adjoint", "Evaluation", "evaluate", "TrainConfig", "Trajectory", "train_gd",
           "TRAJECTORY_KEYS"]
