"""Saving to ``.npz``: named arrays plus a JSON configuration, read back without pickle."""

from __future__ import annotations

import json

import numpy as np

CONFIG_KEY = "__config__"


def write(path, config: dict, arrays: dict) -> None:
    """Write ``arrays`` and ``config`` (JSON text) to the ``.npz`` file ``path``."""
    if CONFIG_KEY in arrays:
        raise ValueError(f"{CONFIG_KEY!r} is reserved for the configuration")
    np.savez(path, **{CONFIG_KEY: np.array(json.dumps(config))}, **arrays)


def read(path) -> tuple[dict, dict]:
    """The configuration and the arrays written by :func:`write` (``allow_pickle=False``)."""
    with np.load(path, allow_pickle=False) as data:
        arrays = {key: data[key] for key in data.files}
    return json.loads(str(arrays.pop(CONFIG_KEY))), arrays
