"""What can go wrong while grading, as a small hierarchy the results and the API report.

::

    GradingError
    ├── SubmissionInvalid        the upload is not a gradable submission (results: gradable false)
    ├── AssignmentNotFound       no such assignment, or its manifest is broken
    ├── SandboxUnavailable       the chosen launcher cannot run here (bwrap/docker missing,
    │                            `none` without the unsafe flag)
    ├── DataUnavailable          the profile's data sets are not where the grader looks
    ├── StudentCodeFailed        a check got no result from the student's code
    │   ├── NotSubmitted         the file, notebook or definition the check needs is absent
    │   ├── NotImplementedInSubmission   the student's code raised NotImplementedError
    │   ├── LoadError            the file is there but importing it failed
    │   ├── StudentException     the student's code raised (type, message, traceback)
    │   ├── CheckTimedOut        the check ran past its time limit; the sandbox was restarted
    │   ├── MemoryLimitExceeded  the student process was killed for memory
    │   ├── OutputLimitExceeded  the student process printed more than allowed
    │   ├── SandboxCrashed       the student process exited or died of a signal
    │   ├── ProtocolViolation    the student process wrote something that is not the protocol
    │   └── RunTimeExhausted     the whole run's time budget was spent before this check
    ├── CheckFailed              the student's result is wrong (raised by the rubric's checks)
    └── Provisional              the profile cannot decide the check honestly (a CPU proxy of a
                                 GPU-sized criterion): the points stand until the full profile decides

A run that cannot be graded at all is the submission's failure only for ``SubmissionInvalid``;
every other ``GradingError`` that stops a run is ours (``failure`` is ``infrastructure``): it
is retried, then shown to staff, and never given to the student as a result.

Each ``StudentCodeFailed`` has a ``status`` word used in results.json (``not_submitted``,
``not_implemented``, ``timeout`` ...), and a message that says what happened and where.
"""

from __future__ import annotations


class GradingError(Exception):
    """Base class of everything GradeLab reports about a grading run."""

    #: Whose failure it is when this stops a whole run (see grader.results.model.Failure).
    failure = "infrastructure"


class SubmissionInvalid(GradingError):
    """The upload cannot be graded at all; the message says what is wrong and what to do."""

    failure = "submission"


class AssignmentNotFound(GradingError):
    pass


class SandboxUnavailable(GradingError):
    pass


class DataUnavailable(GradingError):
    """The profile's data sets are missing; the message names the directory and the command."""


class StudentCodeFailed(GradingError):
    status = "error"

    def __init__(self, message: str, *, output: str = "", traceback: str = ""):
        super().__init__(message)
        self.message = message
        self.output = output
        self.traceback = traceback


class NotSubmitted(StudentCodeFailed):
    status = "not_submitted"


class NotImplementedInSubmission(StudentCodeFailed):
    status = "not_implemented"


class LoadError(StudentCodeFailed):
    status = "load_error"


class StudentException(StudentCodeFailed):
    status = "exception"


class CheckTimedOut(StudentCodeFailed):
    status = "timeout"


class MemoryLimitExceeded(StudentCodeFailed):
    status = "memory"


class OutputLimitExceeded(StudentCodeFailed):
    status = "output_limit"


class SandboxCrashed(StudentCodeFailed):
    status = "crashed"


class ProtocolViolation(StudentCodeFailed):
    status = "protocol"


class RunTimeExhausted(StudentCodeFailed):
    status = "run_timeout"


class CheckFailed(GradingError):
    """A result was compared and found wrong. ``status`` is ``wrong``."""

    status = "wrong"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class Provisional(GradingError):
    """The check ran, but this profile's budget cannot decide it honestly (a smoke proxy of a
    criterion meant for the full data on a GPU). Its points are not deducted; the result says
    that the full profile decides. ``status`` is ``provisional``."""

    status = "provisional"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
