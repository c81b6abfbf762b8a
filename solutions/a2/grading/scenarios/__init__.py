"""Scenarios of Assignment 2: each drives one implementation through one check.

The same functions run on both sides of the trust boundary: in the sandbox on the
student's code, and in the trusted grader on the reference. They take ``impl`` (see
grader/student_side/loader.py: ``impl.function(module, name)``, ``impl.module(name)``,
``impl.notebook(name)``, ``impl.device``) plus plain inputs, and return plain data
(dicts of arrays and numbers). Objects such as caches and models never leave the side
that made them.
"""
