"""Formal bound verification toolkit for Gao et al. (ICLR 2022), deep ReLU implicit networks."""
__version__ = "0.1.0"
