#!/usr/bin/env bash
# Download the preprocessed COCO captioning data into coco_captioning/ beside this script.
#
#   bash get_coco_dataset.sh [URL]     URL: a mirror of coco_captioning.zip (optional)
#
# About 1 GB. Safe to run again: it does nothing when the data is already there, resumes a
# broken download, and tests the zip's checksums before unpacking it.
set -euo pipefail
cd "$(dirname "$0")"

URL="${1:-http://cs231n.stanford.edu/coco_captioning.zip}"
ARCHIVE="coco_captioning.zip"
TARGET="coco_captioning"

if [ -f "$TARGET/coco2014_captions.h5" ] && [ -f "$TARGET/coco2014_vocab.json" ]; then
    echo "COCO captioning data is already in $(pwd)/$TARGET"
    exit 0
fi

fetch() {  # fetch URL FILE: resume into FILE
    if command -v curl >/dev/null 2>&1; then
        curl --fail --location --retry 3 --continue-at - --output "$2" "$1"
    elif command -v wget >/dev/null 2>&1; then
        wget --continue --tries=3 --output-document="$2" "$1"
    else
        echo "error: neither curl nor wget is installed; install one and run this again" >&2
        exit 1
    fi
}

unzip_to() {  # unzip_to ZIP DIR, testing every member's CRC first
    if command -v unzip >/dev/null 2>&1; then
        unzip -tq "$1" >/dev/null && unzip -q "$1" -d "$2"
    else
        python3 -m zipfile -t "$1" >/dev/null && python3 -m zipfile -e "$1" "$2"
    fi
}

echo "Downloading $URL"
fetch "$URL" "$ARCHIVE.part"
mv "$ARCHIVE.part" "$ARCHIVE"

STAGING="$(mktemp -d ./.coco-unpack.XXXXXX)"
trap 'rm -rf "$STAGING"' EXIT
if ! unzip_to "$ARCHIVE" "$STAGING"; then
    rm -f "$ARCHIVE"
    echo "error: $ARCHIVE is damaged (a checksum inside the zip failed). It was deleted;" >&2
    echo "       run this script again." >&2
    exit 1
fi
# The zip holds a coco_captioning/ folder; accept the files at its top level too.
if [ ! -d "$STAGING/$TARGET" ]; then
    mkdir "$STAGING/.$TARGET"
    find "$STAGING" -mindepth 1 -maxdepth 1 ! -name ".$TARGET" -exec mv {} "$STAGING/.$TARGET/" \;
    mv "$STAGING/.$TARGET" "$STAGING/$TARGET"
fi
rm -rf "$TARGET"
mv "$STAGING/$TARGET" "$TARGET"
rm -f "$ARCHIVE"
echo "COCO captioning data is in $(pwd)/$TARGET"
