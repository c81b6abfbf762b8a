"""The web pages: what a student (or an instructor) uses from a browser.

The pages sit on the same users, tokens, upload path and visibility rules as the API
(``server.api``); they hold no logic of their own beyond turning those into HTML:

::

    GET  /                                  sign-in, or the assignments and your submissions
    GET  /login, POST /login, POST /logout  a token in, kept in an HttpOnly cookie; out
    GET  /assignments/{id}/download         the student release zip
    POST /assignments/{id}/submit           upload a zip or a notebook (multipart, part "file")
    GET  /submissions/{id}                  status, progress, score and feedback (refreshes itself)
    GET  /submissions/{id}/plots/{check}.png  a training check's curves
    POST /submissions/{id}/manual/{item}    instructors: points and a comment for a free-text answer
    GET  /assignments/{id}/gradebook.csv    instructors: the gradebook
"""
