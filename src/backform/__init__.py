"""backform: checks the form of osteoporosis back exercises from a webcam or video, counts reps and holds."""

__version__ = "0.1.0"
