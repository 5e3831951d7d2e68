"""Evaluate a Spark DataFrame of grievances with ``mapInArrow`` (docs/tables.md).

Each Spark task receives its rows as Arrow record batches, evaluates them with
``policy.evaluate_table`` (the policy is loaded once per task from its pack id) and
yields the result batches: the columns of contract section 10, one row per input row.

Run (needs Java and ``pip install 'grievance-rules[spark]'``)::

    python examples/spark_evaluate.py [PACK] [ROWS]

It prints the result schema, the first rows and how many rows carry an error.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
from pyspark.sql import SparkSession
from pyspark.sql.pandas.types import from_arrow_schema

import grievance_rules as gr
from grievance_rules.table import schema

ROOT = Path(__file__).resolve().parent.parent


def evaluate_batches(pack: str, as_of: str | None = None):  # type: ignore[no-untyped-def]
    """The function ``mapInArrow`` calls: Arrow batches of facts in, Arrow batches of results out."""

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        # imported and loaded inside: Spark pickles this closure by value into its Python workers
        import grievance_rules

        policy = grievance_rules.load_policy(pack)  # once per task (partition), not per batch
        for batch in batches:
            yield from policy.evaluate_table(pa.Table.from_batches([batch]), as_of=as_of).to_batches()

    return run


def main(pack: str = "luxor", rows: int = 10_000) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from table_data import records, to_table  # generated grievances, as in the tests

    policy = gr.load_policy(pack)
    facts = to_table(list(records(policy, rows)))
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("grievance-rules")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    try:
        frame = spark.createDataFrame(facts.to_pandas()).repartition(4)
        out_schema = from_arrow_schema(schema(policy))
        result = frame.mapInArrow(evaluate_batches(pack, as_of="2027-01-15T12:00:00"), out_schema)
        result.printSchema()
        result.select("id", "classification", "handled_by", "error").show(5, truncate=60)
        print("rows:", result.count(), "with an error:", result.filter("error IS NOT NULL").count())
    finally:
        spark.stop()


if __name__ == "__main__":
    main(*(sys.argv[1:2] or ["luxor"]), *(int(a) for a in sys.argv[2:3]))
