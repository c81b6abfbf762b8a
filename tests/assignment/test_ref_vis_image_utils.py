"""vis_utils and image_utils of the reference package (offline behaviour included)."""

import numpy as np
from cs231n.image_utils import image_from_url, load_image
from cs231n.vis_utils import vis_grid, vis_nn, visualize_grid
from PIL import Image


def test_visualize_grid_places_and_rescales_each_image():
    filters = np.stack([np.full((2, 2, 3), 1.0), np.arange(12.0).reshape(2, 2, 3) - 5]
                       + [np.zeros((2, 2, 3))] * 3)  # 5 images -> 3 x 3 grid

    grid = visualize_grid(filters, ubound=255.0, padding=1)

    assert grid.shape == (3 * 2 + 2, 3 * 2 + 2, 3)
    second = grid[0:2, 3:5]  # row 0, column 1
    assert second.min() == 0.0 and second.max() == 255.0
    np.testing.assert_array_equal(grid[0:2, 0:2], 0.0)  # a constant image maps to 0
    np.testing.assert_array_equal(grid[2, :], 0.0)  # padding row
    np.testing.assert_array_equal(grid[6:8, 3:8], 0.0)  # unused cells


def test_vis_grid_and_vis_nn_scale_to_unit_range():
    images = np.random.default_rng(0).normal(size=(3, 4, 4, 1))
    grid = vis_grid(images)
    assert grid.shape == (2 * 5 + 1, 2 * 5 + 1, 1)
    assert grid.min() == 0.0 and grid.max() == 1.0

    rows = [[images[0], images[1]], [images[2]]]
    assert vis_nn(rows).shape == (2 * 5 + 1, 2 * 5 + 1, 1)


def test_image_from_url_returns_none_when_unreachable(capsys):
    # Port 9 on localhost refuses at once: no network needed, no waiting.
    assert image_from_url("http://127.0.0.1:9/kitten.jpg") is None
    assert "Could not load image" in capsys.readouterr().out
    assert image_from_url("not a url") is None


def test_image_from_url_decodes_what_it_fetches(tmp_path):
    path = tmp_path / "pixels.png"
    Image.fromarray(np.full((3, 4, 3), 7, dtype=np.uint8)).save(path)
    image = image_from_url(path.as_uri())
    assert image.shape == (3, 4, 3) and image.dtype == np.uint8 and (image == 7).all()


def test_load_image_resizes_the_shorter_side(tmp_path):
    path = tmp_path / "wide.png"
    Image.fromarray(np.zeros((20, 40, 3), dtype=np.uint8)).save(path)
    assert load_image(str(path)).shape == (20, 40, 3)
    assert load_image(str(path), size=10).shape == (10, 20, 3)
