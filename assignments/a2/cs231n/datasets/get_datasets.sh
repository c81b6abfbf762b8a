#!/usr/bin/env bash
# Download CIFAR-10 (python version) into cifar-10-batches-py/ beside this script.
#
#   bash get_datasets.sh [URL]     URL: a mirror of cifar-10-python.tar.gz (optional)
#
# Safe to run again: it does nothing when the data is already there, resumes a broken
# download, and checks the archive's MD5 before unpacking it.
set -euo pipefail
cd "$(dirname "$0")"

URL="${1:-https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz}"
ARCHIVE="cifar-10-python.tar.gz"
MD5="c58f30108f718f92721af3b95e74349a"
TARGET="cifar-10-batches-py"

if [ -f "$TARGET/data_batch_5" ] && [ -f "$TARGET/test_batch" ]; then
    echo "CIFAR-10 is already in $(pwd)/$TARGET"
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

md5_of() {
    if command -v md5sum >/dev/null 2>&1; then
        md5sum "$1" | cut -d' ' -f1
    elif command -v md5 >/dev/null 2>&1; then
        md5 -q "$1"
    else
        python3 -c 'import hashlib,sys; h=hashlib.md5(); f=open(sys.argv[1],"rb"); [h.update(b) for b in iter(lambda: f.read(1<<20), b"")]; print(h.hexdigest())' "$1"
    fi
}

echo "Downloading $URL"
fetch "$URL" "$ARCHIVE.part"
GOT="$(md5_of "$ARCHIVE.part")"
if [ "$GOT" != "$MD5" ]; then
    rm -f "$ARCHIVE.part"
    echo "error: $ARCHIVE has MD5 $GOT, expected $MD5: the download is damaged or not" >&2
    echo "       the CIFAR-10 archive. It was deleted; run this script again." >&2
    exit 1
fi
mv "$ARCHIVE.part" "$ARCHIVE"

# Unpack beside the target and move it into place, so an interrupted run leaves no half set.
STAGING="$(mktemp -d ./.cifar10-unpack.XXXXXX)"
trap 'rm -rf "$STAGING"' EXIT
tar -xzf "$ARCHIVE" -C "$STAGING"
rm -rf "$TARGET"
mv "$STAGING/$TARGET" "$TARGET"
rm -f "$ARCHIVE"
echo "CIFAR-10 is in $(pwd)/$TARGET"
