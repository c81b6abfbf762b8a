"""CS231n Assignment 2: layers, models, solvers and helpers (GradeLab reference)."""
