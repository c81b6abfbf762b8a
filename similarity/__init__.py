"""The similarity report: fingerprints of what students wrote (code and free-text answers),
pairs among submissions and against an archive of known solutions.

::

    sources        where entries come from (submission zips/folders, uploads, an archive, the template)
    layout         what of an assignment is compared (its package, notebooks, answer ids)
    python_code    Python as normalised tokens, cut into units (functions, class bodies, cells)
    student_code   each unit's student-written part: the template's lines taken out
    fingerprints   k-gram hashes of those parts, winnowed; the template's never match
    cache          fingerprints on disk per entry digest
    pairs          candidate pairs from the winnowed index, then exact shares and matching units
    engine         all of it, with worker processes and progress
    report         the typed report; csv_report, html_report, highlight: its outputs
    cli            `gradelab similarity`
"""
