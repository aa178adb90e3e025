"""The exercise checkers, registered by name with the ``@register`` decorator in ``base.py``.

Every exercise module of this package is imported here, so adding an exercise means adding one file: nothing
else changes. ``spec(name)`` gives an exercise's class, whose attributes say everything the report, the
programme, the calibration and the set-up check need to know about it.
"""
import importlib
import pkgutil

from .base import (Exercise, Panel, UnknownExercise, get, names, params_defaults, register, spec,  # noqa: F401
                   unregister)

_NOT_EXERCISES = {"base", "counting"}
for _m in pkgutil.iter_modules(__path__):
    if _m.name not in _NOT_EXERCISES and not _m.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_m.name}")
