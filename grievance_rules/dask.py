"""Evaluate a Dask DataFrame of grievances, partition by partition, through ``evaluate_table``.

``grievance_rules.dask.evaluate(ddf, "my_plan")`` returns a lazy Dask DataFrame with the columns of
contract section 10, one row per input row, partitions in input order. Each worker loads the
policy itself (from its pack id or path, once per process) and evaluates its partitions as
Arrow tables, so nothing but the id or path and the partitions crosses the network. A loaded
:class:`~grievance_rules.policy.Policy` may be passed instead; it pickles as what is needed to
load it again (contract section 1).

Needs the ``dask`` extra (``pip install 'grievance-rules[dask]'``); the core never imports this
module. Absolute imports (``from __future__ import annotations`` and ``import dask.dataframe``)
keep this module's name from shadowing the dask package.
"""

from __future__ import annotations

import datetime as dt
import functools
import pickle
from typing import TYPE_CHECKING, Any

from grievance_rules.errors import GrievanceRulesError
from grievance_rules.table import TableError

if TYPE_CHECKING:
    import pandas as pd

    from grievance_rules.policy import Policy

__all__ = ["DaskMissingError", "evaluate", "result_meta"]


class DaskMissingError(TableError, ImportError):
    """The ``dask`` extra is not installed: a :class:`TableError` (the table path's error), and an
    ``ImportError`` for code that checks for a missing extra that way."""


def _dask_dataframe() -> Any:
    try:
        import dask.dataframe as dd
    except ImportError:
        raise DaskMissingError("grievance_rules.dask needs dask: pip install 'grievance-rules[dask]'") from None
    return dd


@functools.lru_cache(maxsize=16)
def _load(policy: str | bytes) -> Policy:
    """The policy, loaded (a pack id or path) or unpickled (bytes) once per worker process."""
    if isinstance(policy, bytes):
        loaded: Policy = pickle.loads(policy)
        return loaded
    from grievance_rules.packs import load_policy

    return load_policy(policy)


def _policy(policy: str | bytes | Policy) -> Policy:
    return policy if not isinstance(policy, (str, bytes)) else _load(policy)


def _shippable(policy: str | Policy) -> str | bytes:
    """What travels to the workers: the id or path as given, or the pickled policy (contract
    section 1: a policy pickles as what is needed to load it again). Bytes also give Dask a
    deterministic token for the graph."""
    if isinstance(policy, str):
        return policy
    try:
        return pickle.dumps(policy)
    except Exception as exc:
        raise GrievanceRulesError(
            f"this policy cannot be sent to the workers ({type(exc).__name__}); pass its pack id or path instead"
        ) from None


def result_meta(policy: str | bytes | Policy) -> pd.DataFrame:
    """An empty pandas DataFrame with the result's columns and dtypes (Dask's ``meta``)."""
    import pandas as pd

    from grievance_rules.table import schema

    # Arrow-backed pandas dtypes, so nulls, dates and timezone-aware timestamps survive the trip
    return schema(_policy(policy)).empty_table().to_pandas(types_mapper=pd.ArrowDtype)


def _partition(frame: pd.DataFrame, policy: str | bytes, as_of: str | None) -> pd.DataFrame:
    import pandas as pd
    import pyarrow as pa

    table = pa.Table.from_pandas(frame, preserve_index=False)
    out = _policy(policy).evaluate_table(table, as_of=as_of)
    result = out.to_pandas(types_mapper=pd.ArrowDtype)
    result.index = frame.index
    return result


def evaluate(ddf: Any, policy_id_or_path: str | Policy, as_of: str | dt.datetime | None = None) -> Any:
    """A lazy Dask DataFrame of results for ``ddf`` (one row per input row, partitions in order).

    ``policy_id_or_path`` is a pack id or a policy file path (loaded once per worker) or a loaded
    policy. ``as_of`` judges statuses as :meth:`Policy.evaluate` does. The index of ``ddf`` is
    kept, so the result lines up with the input. Raises :class:`~grievance_rules.table.TableError` without dask.
    """
    _dask_dataframe()
    policy = _shippable(policy_id_or_path)
    when = None
    if as_of is not None:
        parsed = _policy(policy).parse_as_of(as_of)
        when = None if parsed is None else parsed.isoformat()
    return ddf.map_partitions(_partition, policy, when, meta=result_meta(policy), align_dataframes=False)
