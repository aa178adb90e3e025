"""The exercise checkers, registered by name. Adding an exercise = adding a module and importing it here
(the import list is the only registry edit; everything else is the ``@register`` decorator)."""
from .base import Exercise, UnknownExercise, get, names, register  # noqa: F401
from . import bird_dog, bridge, prone_arm_lift, prone_extension, wall_slide  # noqa: F401,E402
