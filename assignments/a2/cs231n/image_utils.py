"""Loading images for the notebooks' illustrations (captioning samples, convolution demo).

Nothing here touches the network at import time; image_from_url returns None when the
image cannot be fetched, so notebooks run unchanged on offline machines.
"""

import urllib.error
import urllib.request

import numpy as np
from imageio import v2 as imageio
from PIL import Image

#: Seconds to wait for an image server before giving up.
URL_TIMEOUT_S = 10


def image_from_url(url):
    """Fetch an image over HTTP(S).

    Returns the image as a uint8 ndarray (H, W, 3) or (H, W), or None on any failure
    (offline, HTTP error, unreadable data), after printing why.
    """
    try:
        with urllib.request.urlopen(url, timeout=URL_TIMEOUT_S) as response:
            return imageio.imread(response.read())  # decoded from memory, no temporary file
    except (urllib.error.URLError, OSError, ValueError) as e:
        print(f"Could not load image from {url}: {e}")
        return None


def load_image(filename, size=None):
    """Read an image file as a uint8 ndarray (H, W, C).

    Inputs:
    - filename: path to the image
    - size: if given, resize so that the shorter side has this many pixels
    """
    img = imageio.imread(filename)
    if size is not None:
        height, width = img.shape[:2]
        scale = size / min(height, width)
        new_size = (int(round(width * scale)), int(round(height * scale)))
        img = np.array(Image.fromarray(img).resize(new_size))
    return img
