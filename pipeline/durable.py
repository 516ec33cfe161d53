"""Making written files survive a power cut: fsync of files, of folders, of whole trees.

A rename or a new file is durable only once the folder that holds its name is fsynced, and a
file's bytes only once the file itself is. The publish follows the order SQLite and Delta Lake
use: data files, then their folders, then the pointer that makes them visible, then the
pointer's folder. Python's writers (pyarrow, pandas, `Path.write_text`) fsync nothing.
"""

from __future__ import annotations

import os
from pathlib import Path


def fsync_path(path: Path | str) -> None:
    """fsync one file or folder by path (a folder is opened read-only, as POSIX allows)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(root: Path) -> None:
    """fsync every file under `root`, then every folder, deepest first, `root` last.

    Symlinks are not followed: a report folder holds none.
    """
    for folder, _dirs, files in os.walk(root, topdown=False):
        for name in files:
            path = os.path.join(folder, name)
            if not os.path.islink(path):
                fsync_path(path)
        fsync_path(folder)
