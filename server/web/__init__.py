"""The web pages: what a student (or an instructor) uses from a browser.

The pages sit on the same users, tokens, upload path and visibility rules as the API
(``server.api``); they hold no logic of their own beyond turning those into HTML. Every
asset (CSS, the small script, the API docs' Swagger UI) is served by GradeLab itself:

::

    GET  /                                  sign-in, or the assignments and the submissions (filters, pages)
    GET  /login, POST /login, POST /logout  a token in, kept in an HttpOnly cookie; out
    GET  /assignments/{id}/download         the student release zip
    POST /assignments/{id}/submit           upload a zip or a notebook (multipart, part "file")
    GET  /submissions/{id}                  status, live progress, score, feedback grouped by notebook
    GET  /submissions/{id}/status           the compact status the page polls (ETag / If-None-Match)
    GET  /submissions/{id}/plots/{check}.png  a training check's curves, its threshold drawn
    POST /submissions/{id}/manual/{item}    instructors: points and a comment for a free-text answer
    GET  /assignments/{id}/grading          instructors: the free-text questions, answers to grade per question
    GET  /assignments/{id}/grading/{item}   instructors: one answer at a time (?student=), POST saves, then the next
    GET  /assignments/{id}/gradebook.csv    instructors: the gradebook
    GET  /assignments/{id}/similarity       instructors: the newest similarity report, ranked pairs
    POST /assignments/{id}/similarity       instructors: make a new one (server.web.similarity_pages)
    GET  /assignments/{id}/similarity/{report}/{section}/{rank}   instructors: a pair side by side

Templates extend ``base.html`` (blocks ``head``, ``nav`` for links in the header, ``main``);
``_macros.html`` has the shared bits (times, points, outcome labels).
"""
