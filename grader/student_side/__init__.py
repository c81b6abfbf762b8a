"""Code that runs on the student side of the trust boundary, inside the sandbox.

This package is copied into the sandbox as it is, so it imports nothing from the rest of
``grader`` (only the standard library, numpy and, lazily, torch). The trusted side imports
``wire`` and ``loader`` from here too, so both sides share one implementation of the
protocol and of how a submission is loaded.
"""
