"""Data sets for grading: the real CIFAR-10 and COCO captioning sets, or synthetic stand-ins.

Modules, one job each:

- ``layout``: the on-disk layouts the course code reads, and checks that a directory has one.
- ``synth`` (with ``synth_cifar``, ``synth_coco``): write learnable synthetic sets in those
  layouts (the ``smoke`` profile).
- ``catalog``: where the official archives come from, their checksums, what they unpack to.
- ``download``: resumable HTTP download with a progress line.
- ``unpack``: checked extraction of tar and zip archives into a staging directory.
- ``fetch``: download, verify, unpack and install a set under a data directory (``full``).
- ``manifest``: ``fetch_manifest.json``, what was fetched from where with which digests.
- ``cli``: ``gradelab data fetch`` and ``gradelab data synth``.

Errors are in ``errors`` (``DatasetError`` and its subclasses).
"""
