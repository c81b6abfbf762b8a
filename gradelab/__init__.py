"""GradeLab: autograding for deep-learning course work."""

__version__ = "0.1.0"
