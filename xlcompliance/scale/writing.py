"""A Parquet dataset folder written whole or not at all.

The partitions are written into a hidden folder beside the target, which is renamed into place
only when every partition is written; a failed or interrupted run removes it and leaves the old
dataset (or none). Input files are never written over or removed.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd
from dask.dataframe.utils import has_known_categories

from ..io.targets import OutputExistsError, current_umask


def check_dataset_target(path, *, force: bool = False, inputs=()) -> Path:
    """Refuse, before any work, a target that is a file, exists without ``force``, or holds or is
    an input."""
    path = Path(path)
    target = path.resolve()
    for src in inputs:
        if src is None:
            continue
        source = Path(src).resolve()
        if source == target or target in source.parents:
            raise OutputExistsError(f"{path}: refusing to write over an input ({src})")
    if path.exists() and not path.is_dir():
        raise OutputExistsError(f"{path}: is a file; give a folder for the Parquet dataset")
    if path.exists() and not force:
        raise OutputExistsError(f"{path}: already exists (use --force to replace it)")
    return path


def write_dataset(frame, path, *, force: bool = False, inputs=(), client=None, progress: bool = False) -> Path:
    """Write a Dask DataFrame as a Parquet dataset folder (``part.N.parquet``, N in row order).

    Args:
        frame: the Dask DataFrame (computed now, by ``client`` if given).
        path: the dataset folder.
        force: replace an existing dataset folder.
        inputs: input files and folders, never written over.
        client: a ``distributed.Client``; ``progress`` shows its progress bar meanwhile.
    """
    path = check_dataset_target(path, force=force, inputs=inputs)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}-", dir=path.parent))
    try:
        os.chmod(tmp, 0o777 & ~current_umask())  # mkdtemp's folder is private; the dataset is not
        task = frame.to_parquet(str(tmp), write_index=False, compute=False, schema=_parquet_types(frame))
        if client is None:
            task.compute()
        else:
            future = client.compute(task)
            if progress:
                from distributed import progress as show_progress

                show_progress(future)
            future.result()
        _swap_in(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return path


def _parquet_types(frame):
    """The Parquet schema of every partition, fixed where a partition's own would differ: object
    columns hold text (or None), stored as strings even where a partition has none (Arrow
    converts them as it writes, without a pandas string column made first); categorical columns
    whose categories differ between partitions (``explanation``) are dictionary columns with room
    for any number of texts."""
    import pyarrow as pa

    meta = frame._meta
    texts = [name for name, dtype in meta.dtypes.items() if pd.api.types.is_object_dtype(dtype)]
    schema = pa.Schema.from_pandas(meta.astype(dict.fromkeys(texts, "string[pyarrow]")), preserve_index=False)
    for name, dtype in meta.dtypes.items():
        if isinstance(dtype, pd.CategoricalDtype) and not has_known_categories(frame[name]):
            schema = schema.set(schema.get_field_index(name), pa.field(name, pa.dictionary(pa.int32(), pa.string())))
    return schema


def _swap_in(new: Path, path: Path) -> None:
    """Rename ``new`` to ``path``; an existing ``path`` is moved aside first, put back if the
    rename fails, and removed once it succeeded."""
    if not path.exists():
        os.replace(new, path)
        return
    aside = Path(tempfile.mkdtemp(prefix=f".{path.name}-old-", dir=path.parent)) / path.name
    os.replace(path, aside)
    try:
        os.replace(new, path)
    except BaseException:
        os.replace(aside, path)
        raise
    shutil.rmtree(aside.parent, ignore_errors=True)


__all__ = ["check_dataset_target", "write_dataset"]
