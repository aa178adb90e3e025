"""Errors that the CLI turns into one clear line and a non-zero exit."""


class BackformError(Exception):
    """Base class: the message is shown to the user as is, without a traceback."""

    exit_code = 2


class SourceError(BackformError):
    """A video, camera, image folder or landmarks file cannot be opened or yields no frame."""


class NoPersonError(BackformError):
    """No person was found in the source."""
