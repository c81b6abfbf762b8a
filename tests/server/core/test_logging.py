import json
import logging

from server.core.logging import JsonFormatter, submission_context


def test_log_lines_are_json_with_the_submission_id():
    formatter = JsonFormatter()
    record = logging.makeLogRecord({"name": "gradelab.worker", "levelname": "INFO", "msg": "graded %s",
                                    "args": ("ok",), "job_id": 7})
    with submission_context("abc123"):
        line = json.loads(formatter.format(record))
    assert line["message"] == "graded ok" and line["submission_id"] == "abc123" and line["job_id"] == 7
    assert "submission_id" not in json.loads(formatter.format(record))  # only inside the context
