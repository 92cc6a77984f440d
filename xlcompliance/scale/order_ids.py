"""Repeated order ids across partitions: the first row in global row order is assessed.

A global check needs every id in one place per id, so the ids (only the id column is read, and
only non-blank ids travel) are shuffled by their text into buckets; each bucket finds its repeats
and the first occurrence of each, by (partition, position), which is global row order. The
repeats are routed back to the partition they came from, where the global row number of the
first occurrence is its partition's start plus its position. Without repeats only the shuffle of
the ids costs anything.

An order whose lines must be looked at together (product lines split across partitions) can use
the same buckets: all rows of one order id meet in one bucket.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.headers import canonical_series
from ..core.order_ids import id_texts, repeat_message

_TEXT = "string[pyarrow]"
KEYED_META = pd.DataFrame({
    "order_id": pd.Series([], dtype=_TEXT),
    "part": pd.Series([], dtype=np.int64),
    "pos": pd.Series([], dtype=np.int64),
})
REPEATS_META = pd.DataFrame({
    "part": pd.Series([], dtype=np.int64),
    "pos": pd.Series([], dtype=np.int64),
    "first_part": pd.Series([], dtype=np.int64),
    "first_pos": pd.Series([], dtype=np.int64),
    "order_id": pd.Series([], dtype=_TEXT),
})


def keyed_ids(frame: pd.DataFrame, headers: dict | None, partition_info=None) -> pd.DataFrame:
    """The non-blank ids of one partition with where they are: (id text, partition, position)."""
    texts = id_texts(canonical_series(frame, "orders", headers)["order_id"].reset_index(drop=True))
    rows = np.flatnonzero(texts != "")
    return pd.DataFrame({
        "order_id": pd.array(texts[rows], dtype=_TEXT),
        "part": np.full(len(rows), partition_info["number"], dtype=np.int64),
        "pos": rows.astype(np.int64),
    })


def bucket_repeats(bucket: pd.DataFrame) -> pd.DataFrame:
    """Every row of a bucket whose id occurred earlier, with where its first occurrence is."""
    shared = bucket[bucket["order_id"].duplicated(keep=False).to_numpy()]
    if shared.empty:
        return REPEATS_META
    shared = shared.sort_values(["part", "pos"], kind="stable")
    first = ~shared["order_id"].duplicated().to_numpy()
    firsts = shared[first].set_index("order_id")
    later = shared[~first]
    where = firsts.reindex(later["order_id"])
    return pd.DataFrame({
        "part": later["part"].to_numpy(),
        "pos": later["pos"].to_numpy(),
        "first_part": where["part"].to_numpy(dtype=np.int64),
        "first_pos": where["pos"].to_numpy(dtype=np.int64),
        "order_id": later["order_id"].to_numpy(),
    })


def _length(frame: pd.DataFrame) -> pd.Series:
    return pd.Series([len(frame)], dtype=np.int64)


def global_repeats(id_frame, headers: dict | None):
    """Per input partition, its rows that repeat an earlier id (partition ``i`` of the result holds
    the repeats of partition ``i``, indexed by ``part``), and the length of every partition (one
    partition, broadcast to all)."""
    n = id_frame.npartitions
    # Optimised on its own, the id branch reads only the id column (a projected read of its own)
    # instead of sharing the full read with the assessment, which would then hold every whole
    # partition in memory until the shuffle is done; this way each assessment task reads its
    # partition itself, after the shuffle.
    id_frame = id_frame.optimize(fuse=False)
    keyed = id_frame.map_partitions(keyed_ids, headers, meta=KEYED_META, clear_divisions=True)
    buckets = keyed.shuffle(on="order_id", npartitions=n)
    repeats = buckets.map_partitions(bucket_repeats, meta=REPEATS_META)
    routed = repeats.set_index("part", divisions=list(range(n + 1))).clear_divisions()
    lengths = id_frame.map_partitions(_length, meta=pd.Series([], dtype=np.int64)).repartition(npartitions=1)
    return routed, lengths


def repeat_errors(n: int, repeats: pd.DataFrame, lengths: pd.Series) -> np.ndarray:
    """The repeat message of each of a partition's ``n`` rows (None where its id is first)."""
    errors = np.full(n, None, dtype=object)
    if len(repeats):
        starts = np.concatenate([[0], np.cumsum(lengths.to_numpy(dtype=np.int64))])
        first_rows = starts[repeats["first_part"].to_numpy()] + repeats["first_pos"].to_numpy()
        for pos, text, row in zip(repeats["pos"].to_numpy(), repeats["order_id"].to_numpy(), first_rows, strict=True):
            errors[pos] = repeat_message(text, int(row))
    return errors
