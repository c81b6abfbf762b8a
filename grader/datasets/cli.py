"""``gradelab data``: fetch the real data sets or write synthetic ones.

    gradelab data fetch [--out DIR] [--only cifar10|coco] [--cifar10-url URL] [--coco-url URL]
                        [--md5 HEX | --sha256 HEX]
    gradelab data synth [--out DIR] [--seed N] [--force]

``fetch`` fills the ``full`` profile's data directory, ``synth`` the ``smoke`` one, unless
``--out`` says otherwise. Both leave DIR/cifar-10-batches-py and DIR/coco_captioning.
"""

from __future__ import annotations

import time
from pathlib import Path

import click

from gradelab.settings import get_settings
from grader.datasets.errors import DatasetError


@click.group("data")
def data_group() -> None:
    """Fetch the real data sets or write synthetic ones."""


@data_group.command("fetch")
@click.option(
    "--out", "out", type=click.Path(path_type=Path), help="Data directory [full profile's]."
)
@click.option("--only", type=click.Choice(["cifar10", "coco"]), help="Fetch one set only.")
@click.option(
    "--cifar10-url", help="CIFAR-10 archive URL [GRADELAB_CIFAR10_URL or the official one]."
)
@click.option("--coco-url", help="COCO captioning zip URL [GRADELAB_COCO_URL or the official one].")
@click.option("--md5", help="Expected MD5 of the archive (needs --only).")
@click.option("--sha256", help="Expected SHA-256 of the archive (needs --only).")
def fetch_command(
    out: Path | None,
    only: str | None,
    cifar10_url: str | None,
    coco_url: str | None,
    md5: str | None,
    sha256: str | None,
) -> None:
    """Download, verify and unpack CIFAR-10 and COCO captioning into DIR."""
    from grader.datasets.catalog import catalog
    from grader.datasets.fetch import fetch

    if (md5 or sha256) and not only:
        raise click.UsageError(
            "--md5/--sha256 describe one archive: add --only cifar10 or --only coco."
        )
    settings = get_settings()
    out = out if out is not None else settings.profile_data_dir("full")
    sources = catalog(settings)
    sources["cifar10"] = sources["cifar10"].with_overrides(url=cifar10_url)
    sources["coco"] = sources["coco"].with_overrides(url=coco_url)
    names = [only] if only else list(sources)
    for name in names:
        source = sources[name]
        if only:
            source = source.with_overrides(md5=md5, sha256=sha256)
        try:
            fetch(source, out)
        except DatasetError as exc:
            raise click.ClickException(str(exc)) from exc


@data_group.command("synth")
@click.option(
    "--out", "out", type=click.Path(path_type=Path), help="Data directory [smoke profile's]."
)
@click.option("--seed", default=0, show_default=True, help="Seed of the generators.")
@click.option("--force", is_flag=True, help="Write even when an up-to-date copy is there.")
def synth_command(out: Path | None, seed: int, force: bool) -> None:
    """Write synthetic CIFAR-10 and COCO captioning sets (real formats) into DIR."""
    from grader.datasets.synth import ensure_synthetic, write_synthetic

    out = out if out is not None else get_settings().profile_data_dir("smoke")
    started = time.monotonic()
    if force:
        write_synthetic(out, seed=seed)
    else:
        ensure_synthetic(out, seed=seed)
    click.echo(
        f"synthetic data sets in {Path(out).absolute()} ({time.monotonic() - started:.1f} s)",
        err=True,
    )
