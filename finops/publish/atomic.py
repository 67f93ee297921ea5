"""Atomic replacement of published files and folders, so readers see the old or the new version.

- A file (the BI DuckDB file, the dbt docs page) is written under a temporary name in the same
  folder, fsynced, made read-only and renamed over the live name (`os.replace`, atomic on POSIX).
  A reader that opened the old file keeps reading the old inode until it closes it.
- A folder (exports, team extracts) is built complete under a temporary name and exchanged with
  the live folder in one step (Linux `renameat2(RENAME_EXCHANGE)`); the old version is removed
  afterwards. Where the exchange is not available (another OS, a filesystem without it), two
  renames are used: a reader may then find the folder missing for an instant, never half written.
- Temporary names start with `.` and carry `.tmp-` or `.old-`, so a crashed publish leaves only
  hidden leftovers beside an intact live version; `remove_leftovers` deletes them next time.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import os
import shutil
import stat
import uuid
from collections.abc import Iterator
from pathlib import Path

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
READ_ONLY = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH  # 0444
READ_ONLY_DIR = READ_ONLY | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH | stat.S_IWUSR  # 0755


def temp_path(final: Path, kind: str = "tmp") -> Path:
    """A hidden sibling of `final` (same folder, so a rename is atomic), unique per call."""
    return final.with_name(f".{final.name}.{kind}-{os.getpid()}-{uuid.uuid4().hex[:8]}")


def fsync_path(path: Path) -> None:
    """Flush a file, or a folder's entries, to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(root: Path) -> None:
    """Flush every file under `root`: one syncfs(2) of its filesystem where Linux has it (one
    journal commit instead of one per file), else an fsync per file and folder."""
    fd = os.open(root, os.O_RDONLY)
    try:
        try:
            if ctypes.CDLL(None, use_errno=True).syncfs(fd) == 0:
                return
        except (OSError, AttributeError):
            pass
    finally:
        os.close(fd)
    for folder, _dirs, files in os.walk(root):
        for name in files:
            fsync_path(Path(folder) / name)
        fsync_path(Path(folder))


def make_read_only(root: Path) -> None:
    """Files 0444 (folders stay 0755 so the next publish can remove the old version)."""
    if root.is_file():
        root.chmod(READ_ONLY)
        return
    for folder, _dirs, files in os.walk(root):
        for name in files:
            (Path(folder) / name).chmod(READ_ONLY)
        Path(folder).chmod(READ_ONLY_DIR)


def replace_file(tmp: Path, final: Path) -> None:
    """Make `tmp` read-only, durable, and the live `final` in one rename."""
    fsync_path(tmp)
    tmp.chmod(READ_ONLY)
    os.replace(tmp, final)
    fsync_path(final.parent)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two existing paths atomically (Linux renameat2); False when not supported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    result = renameat2(
        _AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), ctypes.c_uint(_RENAME_EXCHANGE)
    )
    return result == 0


def swap_dir(tmp: Path, final: Path) -> None:
    """Make the complete folder `tmp` the live `final`; the previous version is deleted."""
    fsync_tree(tmp)
    make_read_only(tmp)
    if not final.exists():
        os.replace(tmp, final)
    elif _exchange(tmp, final):
        remove_tree(tmp)  # now holds the previous version
    else:
        old = temp_path(final, "old")
        os.replace(final, old)
        os.replace(tmp, final)
        remove_tree(old)
    fsync_path(final.parent)


def remove_tree(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.chmod(stat.S_IWUSR | stat.S_IRUSR)
        path.unlink()


def remove_leftovers(folder: Path, name: str) -> list[Path]:
    """Delete `.<name>.tmp-*` / `.<name>.old-*` left by a publish that was killed."""
    removed = []
    if folder.is_dir():
        for pattern in (f".{name}.tmp-*", f".{name}.old-*"):
            for path in folder.glob(pattern):
                remove_tree(path)
                removed.append(path)
    return removed


@contextlib.contextmanager
def publish_lock(output_dir: Path) -> Iterator[None]:
    """One publisher at a time per output folder (a second one waits)."""
    output_dir.mkdir(parents=True, exist_ok=True)
    with open(output_dir / ".publish.lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
