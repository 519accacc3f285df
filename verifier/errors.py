"""The user-facing errors, in a module that imports nothing heavy (the CLI catches them before it loads the
numerical code): each is a one-line message and exit code 2 at the command line."""
from __future__ import annotations

__all__ = ["SettingError", "DataError", "CertifyInputError"]


class DataError(ValueError):
    """A user-facing problem with the data; its message is one line."""


class CertifyInputError(ValueError):
    """An argument the certificate's proof does not cover (refused, never rounded or truncated)."""


class SettingError(ValueError):
    """An invalid parameter value: a one-line message that names the parameter (exit code 2 at the CLI, which
    shows the parameter as its flag)."""

    def __init__(self, message: str, *, param: str | None = None):
        super().__init__(message)
        self.param = param

    def for_cli(self) -> str:
        """The message with its leading parameter name written as the command-line flag (width -> --width)."""
        msg = str(self)
        flag = {"t_final": "time", "hidden": "constant"}.get(self.param, self.param)
        if self.param and msg.startswith(self.param):
            return "--" + flag.replace("_", "-") + msg[len(self.param):]
        return msg
