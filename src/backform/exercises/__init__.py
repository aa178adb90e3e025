"""The exercise checkers, registered by name with the ``@register`` decorator in ``base.py``.

Every module of this package is imported here, so adding an exercise means adding one file: nothing else
changes.
"""
import importlib
import pkgutil

from .base import Exercise, UnknownExercise, get, names, register  # noqa: F401

for _m in pkgutil.iter_modules(__path__):
    if _m.name != "base" and not _m.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_m.name}")
