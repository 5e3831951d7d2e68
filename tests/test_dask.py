"""grievance_rules.dask.evaluate on a local Dask cluster (two worker processes) gives the same
rows as evaluate_table in one process."""

from __future__ import annotations

import pytest
from helpers import ROOT
from table_data import records, to_table

import grievance_rules as gr

pytest.importorskip("pyarrow")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")
pd = pytest.importorskip("pandas")

AS_OF = "2027-01-15T12:00:00"


@pytest.fixture(scope="module")
def client():  # type: ignore[no-untyped-def]
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the cluster's own start-up notices are not ours to judge
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=50
        )
        with distributed.Client(cluster) as c:
            yield c
        cluster.close()


@pytest.mark.parametrize("pack", ["luxor", "liberty"])
def test_dask_cluster_matches_single_process(client, pack: str) -> None:  # type: ignore[no-untyped-def]
    from grievance_rules.dask import evaluate

    policy = gr.load_policy(pack)
    table = to_table(list(records(policy, 2_000, seed=3)))
    expected = policy.evaluate_table(table, as_of=AS_OF)
    ddf = dd.from_pandas(table.to_pandas(types_mapper=pd.ArrowDtype), npartitions=4)
    result = evaluate(ddf, pack, as_of=AS_OF)
    assert list(result.columns) == expected.schema.names
    got = result.compute()
    assert len(got) == expected.num_rows
    import pyarrow as pa

    assert pa.Table.from_pandas(got, preserve_index=False).to_pylist() == expected.to_pylist()
    # the work really ran on the cluster's two worker processes
    assert len(client.scheduler_info()["workers"]) == 2


def test_dask_keeps_the_index_and_order(client) -> None:  # type: ignore[no-untyped-def]
    from grievance_rules.dask import evaluate

    policy = gr.load_policy("ctdhp")
    table = to_table(list(records(policy, 300, seed=5)))
    frame = table.to_pandas(types_mapper=pd.ArrowDtype)
    frame.index = frame.index + 1000
    got = evaluate(dd.from_pandas(frame, npartitions=3), str(ROOT / "policies" / "ctdhp.yaml")).compute()
    assert list(got.index) == list(frame.index)
    assert list(got["id"]) == list(frame["id"])


def test_dask_ships_a_loaded_policy_pickled(client) -> None:  # type: ignore[no-untyped-def]
    from grievance_rules.dask import evaluate

    policy = gr.load_policy("luxor")
    table = to_table(list(records(policy, 400, seed=8)))
    frame = table.to_pandas(types_mapper=pd.ArrowDtype)
    got = evaluate(dd.from_pandas(frame, npartitions=2), policy, as_of=AS_OF).compute()
    import pyarrow as pa

    assert (
        pa.Table.from_pandas(got, preserve_index=False).to_pylist()
        == policy.evaluate_table(table, as_of=AS_OF).to_pylist()
    )
