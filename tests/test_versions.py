"""Effective-dated versions of one pack, and the identity of a pack (sha256, ruleset name).

The fixtures are two made-up versions of the mini pack (tests/fixtures/mini.yaml, America/Chicago):
``mini@1.0.yaml`` in force 2024-01-01..2024-06-30 with a 5-business-day acknowledgement, and
``mini.yaml`` ("2.0") from 2024-07-01 with 7 business days.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import holidays
import pytest
from helpers import FIXTURES, ROOT

import grievance_rules as gr
from grievance_rules import packs

MINI = (FIXTURES / "mini.yaml").read_text(encoding="utf-8")
OLD_DATE = 'effective_date: "2024-01-01"'


def version_text(version: str, effective: str, ack_days: int = 5) -> str:
    """The mini pack as ``version`` with the ``effective`` block (YAML lines) and an acknowledgement deadline."""
    assert OLD_DATE in MINI and "deadline: {amount: 5, unit: business_days}" in MINI
    return (
        MINI.replace('version: "1.0"', f'version: "{version}"')
        .replace(OLD_DATE, effective)
        .replace("deadline: {amount: 5, unit: business_days}", f"deadline: {{amount: {ack_days}, unit: business_days}}")
    )


V1 = 'effective:\n  from: "2024-01-01"\n  until: "2024-06-30"'
V2 = 'effective:\n  from: "2024-07-01"\n  until: null'


@pytest.fixture()
def history(tmp_path: Path) -> Path:
    (tmp_path / "mini@1.0.yaml").write_text(version_text("1.0", V1, ack_days=5), encoding="utf-8")
    (tmp_path / "mini.yaml").write_text(version_text("2.0", V2, ack_days=7), encoding="utf-8")
    return tmp_path


def facts(received_at: str) -> dict[str, Any]:
    return {"id": "V-1", "received_at": received_at, "channel": "mail"}


def ack(det: gr.Determination) -> dt.date | None:
    return next(a.due_date for a in det.actions if a.code == "acknowledge")


# ------------------------------------------------------------------ selection by receipt date


# 2024-06-30 is a Sunday. 5 business days after it in Chicago: Mon 1, Tue 2, Wed 3 July,
# (Thu 4 July is Independence Day), Fri 5, Mon 8 July -> 2024-07-08.
# 2024-07-01 is a Monday. 7 business days after it: Tue 2, Wed 3, (Thu 4 skipped), Fri 5, Mon 8,
# Tue 9, Wed 10, Thu 11 July -> 2024-07-11.
@pytest.mark.parametrize(
    ("received_at", "version", "due"),
    [
        ("2024-06-30T23:30:00-05:00", "1.0", dt.date(2024, 7, 8)),  # 23:30 local, last day of 1.0
        ("2024-07-01T04:30:00Z", "1.0", dt.date(2024, 7, 8)),  # the same instant in UTC: already 1 July there
        ("2024-06-30T23:30:00", "1.0", dt.date(2024, 7, 8)),  # no offset: read in the plan's timezone
        ("2024-07-01T23:30:00-05:00", "2.0", dt.date(2024, 7, 11)),  # 23:30 local, first day of 2.0
        ("2024-07-02T04:30:00Z", "2.0", dt.date(2024, 7, 11)),  # 23:30 on 1 July in Chicago
        ("2024-01-01T00:00:00-06:00", "1.0", dt.date(2024, 1, 8)),  # first moment of 1.0 (1 Jan holiday)
    ],
)
def test_each_grievance_is_judged_by_the_version_in_force_on_its_local_receipt_date(
    history: Path, received_at: str, version: str, due: dt.date
) -> None:
    policy = gr.load_policy(history)
    det = policy.evaluate(facts(received_at))
    assert det.policy.version == version
    assert ack(det) == due


def test_a_pack_id_with_several_files_is_loaded_by_id(history: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(packs, "bundled_dir", lambda: history)
    assert "mini" in gr.available_policies()
    policy = gr.load_policy("mini")
    assert [v.version for v in policy.versions] == ["1.0", "2.0"]
    assert policy.version == "2.0"  # the policy's own attributes are its newest version's
    assert policy.evaluate(facts("2024-06-30T23:30:00-05:00")).policy.version == "1.0"


def test_installed_versions_are_entry_points_named_id_at_label(
    history: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    from test_packs import _write_dist

    site = tmp_path_factory.mktemp("site")
    _write_dist(site, f"acme = {history / 'mini.yaml'}\nacme@1.0 = {history / 'mini@1.0.yaml'}")
    monkeypatch.syspath_prepend(str(site))
    assert "acme" in gr.available_policies() and "acme@1.0" not in gr.available_policies()
    policy = gr.load_policy("acme")
    assert [v.version for v in policy.versions] == ["1.0", "2.0"]
    assert policy.evaluate(facts("2024-07-01T04:30:00Z")).policy.version == "1.0"


def test_the_contract_pin_of_a_bundled_pack() -> None:
    assert gr.load_policy("luxor", version="2024.1").version == "2024.1"
    with pytest.raises(gr.PolicyVersionNotFoundError, match=r"did you mean '2024\.1'"):
        gr.load_policy("luxor", version="2024.2")


def test_determination_names_the_version_its_hash_and_start(history: Path) -> None:
    det = gr.load_policy(history).evaluate(facts("2024-06-30T23:30:00-05:00"))
    digest = hashlib.sha256((history / "mini@1.0.yaml").read_bytes()).hexdigest()
    assert det.model_dump(mode="json")["policy"] == {
        "id": "mini",
        "version": "1.0",
        "sha256": digest,
        "effective_from": "2024-01-01",
        "calendar_data": f"holidays {holidays.__version__}",
    }


def test_batches_case_books_and_worklists_follow_the_receipt_date(history: Path) -> None:
    policy = gr.load_policy(history)
    records = [facts("2024-06-30T23:30:00-05:00"), {**facts("2024-07-01T23:30:00-05:00"), "id": "V-2"}]
    assert [d.policy.version for d in policy.evaluate_many(records)] == ["1.0", "2.0"]
    book = gr.CaseBook(policy)
    book.extend(records)
    assert [ack(d) for d in book.evaluate().determinations] == [dt.date(2024, 7, 8), dt.date(2024, 7, 11)]
    wl = gr.build_worklist(records, dt.date(2024, 7, 8), within=3, policy=policy)
    due = {(i.grievance_id, i.code): i.due_date for i in wl.items}
    assert due[("V-1", "acknowledge")] == dt.date(2024, 7, 8)
    assert due[("V-2", "acknowledge")] == dt.date(2024, 7, 11)


def test_a_receipt_date_no_version_covers_is_a_facts_error_naming_the_range(history: Path) -> None:
    policy = gr.load_policy(history)
    with pytest.raises(gr.FactsError) as info:
        policy.evaluate(facts("2023-12-31T23:30:00-06:00"))
    assert info.value.field == "received_at"
    assert "2024-01-01.." in str(info.value)
    assert "2023-12-31" not in str(info.value)  # facts are never echoed
    out = list(policy.evaluate_many([facts("2023-12-31T23:30:00-06:00")], errors="collect"))
    assert isinstance(out[0], gr.FactsError)


def test_a_single_version_loaded_by_id_refuses_dates_before_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "mini.yaml").write_text(version_text("2.0", V2), encoding="utf-8")
    monkeypatch.setattr(packs, "bundled_dir", lambda: tmp_path)
    with pytest.raises(gr.FactsError, match=r"cover 2024-07-01\.\."):
        gr.load_policy("mini").evaluate(facts("2024-06-30T12:00:00-05:00"))
    # one file loaded by path is that version alone and judges any date (e.g. to replay old cases)
    assert gr.load_policy(tmp_path / "mini.yaml").evaluate(facts("2024-06-30T12:00:00-05:00")).policy.version == "2.0"


# ------------------------------------------------------------------ pinning


def test_pinning_a_version_judges_every_date_by_it(history: Path) -> None:
    pinned = gr.load_policy(history, version="1.0")
    assert pinned.version == "1.0" and len(pinned.versions) == 1
    det = pinned.evaluate(facts("2024-07-01T23:30:00-05:00"))
    # 5 business days after Mon 1 July: Tue 2, Wed 3, Fri 5, Mon 8, Tue 9
    assert (det.policy.version, ack(det)) == ("1.0", dt.date(2024, 7, 9))
    assert gr.load_policy(history).pinned("2.0").version == "2.0"


def test_id_at_version_pins_too(history: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(packs, "bundled_dir", lambda: history)
    pinned = gr.load_policy("mini@1.0")
    assert (pinned.version, len(pinned.versions)) == ("1.0", 1)
    with pytest.raises(gr.PolicyVersionNotFoundError):
        gr.load_policy("mini@3.0")


def test_an_unknown_version_is_an_error_with_did_you_mean(history: Path) -> None:
    with pytest.raises(gr.PolicyNotFoundError) as info:
        gr.load_policy(history, version="1.0.0")
    assert isinstance(info.value, gr.PolicyVersionNotFoundError)
    assert "did you mean '1.0'?" in str(info.value)
    assert "1.0, 2.0" in str(info.value)


# ------------------------------------------------------------------ ranges


def _effective_line(text: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if line.startswith("effective:"))


def test_overlapping_ranges_are_rejected_at_the_effective_key(tmp_path: Path) -> None:
    (tmp_path / "mini@1.0.yaml").write_text(
        version_text("1.0", 'effective:\n  from: "2024-01-01"\n  until: "2024-07-01"'), encoding="utf-8"
    )
    newer = version_text("2.0", V2)
    (tmp_path / "mini.yaml").write_text(newer, encoding="utf-8")
    with pytest.raises(gr.PolicyError) as info:
        gr.load_policy(tmp_path)
    (problem,) = info.value.problems
    assert (Path(problem.file).name, problem.line, problem.column) == ("mini.yaml", _effective_line(newer), 1)
    assert "overlaps version '1.0'" in problem.message
    # validate reports it on the later file too, and the earlier file is fine on its own
    assert [p.line for p in gr.validate_file(tmp_path / "mini.yaml")] == [_effective_line(newer)]
    assert gr.validate_file(tmp_path / "mini@1.0.yaml") == []


def test_an_open_range_followed_by_another_overlaps(tmp_path: Path) -> None:
    (tmp_path / "mini@1.0.yaml").write_text(version_text("1.0", 'effective: {from: "2024-01-01"}'), encoding="utf-8")
    (tmp_path / "mini.yaml").write_text(version_text("2.0", V2), encoding="utf-8")
    with pytest.raises(gr.PolicyError, match="overlaps"):
        gr.load_policy(tmp_path)


def test_a_gap_between_ranges_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "mini@1.0.yaml").write_text(
        version_text("1.0", 'effective:\n  from: "2024-01-01"\n  until: "2024-06-29"'), encoding="utf-8"
    )
    newer = version_text("2.0", V2)
    (tmp_path / "mini.yaml").write_text(newer, encoding="utf-8")
    with pytest.raises(gr.PolicyError) as info:
        gr.load_policy(tmp_path)
    (problem,) = info.value.problems
    assert problem.line == _effective_line(newer)
    assert "leaves a gap" in problem.message and "start it on 2024-06-30" in problem.message


def test_two_files_declaring_one_version_are_rejected(tmp_path: Path) -> None:
    (tmp_path / "mini@1.0.yaml").write_text(version_text("1.0", V1), encoding="utf-8")
    (tmp_path / "mini.yaml").write_text(version_text("1.0", V2), encoding="utf-8")
    with pytest.raises(gr.PolicyError, match="also declared by"):
        gr.load_policy(tmp_path)


def test_several_versions_need_effective_ranges(tmp_path: Path) -> None:
    (tmp_path / "mini@1.0.yaml").write_text(MINI.replace(OLD_DATE, ""), encoding="utf-8")
    (tmp_path / "mini.yaml").write_text(version_text("2.0", V2), encoding="utf-8")
    with pytest.raises(gr.PolicyError, match="needs effective"):
        gr.load_policy(tmp_path)


def test_until_before_from_is_located(tmp_path: Path) -> None:
    text = version_text("1.0", 'effective:\n  from: "2024-01-01"\n  until: "2023-12-31"')
    (tmp_path / "mini.yaml").write_text(text, encoding="utf-8")
    (problem,) = gr.validate_file(tmp_path / "mini.yaml")
    assert (problem.line, problem.path) == (_effective_line(text) + 2, "effective.until")


def test_effective_and_effective_date_together_are_refused(tmp_path: Path) -> None:
    text = MINI.replace(OLD_DATE, OLD_DATE + '\neffective: {from: "2024-01-01"}')
    (tmp_path / "mini.yaml").write_text(text, encoding="utf-8")
    (problem,) = gr.validate_file(tmp_path / "mini.yaml")
    assert problem.path == "effective_date" and "keep only effective" in problem.message


# ------------------------------------------------------------------ identity


def test_same_version_number_different_deadline_gives_different_sha256_and_ruleset(tmp_path: Path) -> None:
    five, seven = tmp_path / "five.yaml", tmp_path / "seven.yaml"
    five.write_text(version_text("1.0", V2, ack_days=5), encoding="utf-8")
    seven.write_text(version_text("1.0", V2, ack_days=7), encoding="utf-8")
    a, b = gr.load_policy(five), gr.load_policy(seven)
    assert a.version == b.version == "1.0"
    assert a.sha256 != b.sha256
    assert a.sha256 == hashlib.sha256(five.read_bytes()).hexdigest()
    assert a.compiled.ruleset_name != b.compiled.ruleset_name
    # the two compile to the same conditions: only the deadline differs, and it is in the hash
    assert [s.definition for s in a.compiled.stages] == [s.definition for s in b.compiled.stages]
    received = facts("2024-07-01T10:00:00-05:00")
    assert a.evaluate(received).policy != b.evaluate(received).policy
    assert ack(a.evaluate(received)) != ack(b.evaluate(received))


def test_a_comment_changes_the_sha256_but_not_the_ruleset_name(tmp_path: Path) -> None:
    plain, commented = tmp_path / "a.yaml", tmp_path / "b.yaml"
    plain.write_text(version_text("1.0", V2), encoding="utf-8")
    commented.write_text(version_text("1.0", V2) + "# reviewed\n", encoding="utf-8")
    a, b = gr.load_policy(plain), gr.load_policy(commented)
    assert a.sha256 != b.sha256  # the file's bytes: what an auditor can check with sha256sum
    assert a.compiled.ruleset_name == b.compiled.ruleset_name  # the outcome cannot differ


def test_bundled_packs_declare_where_their_effective_date_comes_from() -> None:
    for name in gr.available_policies():
        policy = gr.load_policy(name)
        eff = policy.effective
        if eff is None:  # Luxor's document is undated: no date to take from it
            assert name == "luxor"
            continue
        assert eff.citation is not None and eff.reading, name
        seed = ROOT.parent / "shared" / "seeds" / eff.citation.file
        if seed.is_file() and eff.citation.quote:
            assert " ".join(eff.citation.quote.split()) in " ".join(seed.read_text(encoding="utf-8").split()), name
    assert gr.load_policy("liberty").effective.from_ == dt.date(2012, 3, 13)  # type: ignore[union-attr]


# ------------------------------------------------------------------ command line


def test_list_prints_id_version_range_short_hash_and_file(
    history: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from grievance_rules.cli import main

    monkeypatch.setattr(packs, "bundled_dir", lambda: history)
    assert main(["list"]) == 0
    header, *rows = capsys.readouterr().out.splitlines()
    assert header.split() == ["ID", "VERSION", "EFFECTIVE", "SHA256", "FILE"]
    old = hashlib.sha256((history / "mini@1.0.yaml").read_bytes()).hexdigest()[:12]
    new = hashlib.sha256((history / "mini.yaml").read_bytes()).hexdigest()[:12]
    assert [r.split() for r in rows] == [
        ["mini", "1.0", "2024-01-01..2024-06-30", old, str((history / "mini@1.0.yaml").resolve())],
        ["mini", "2.0", "2024-07-01..", new, str((history / "mini.yaml").resolve())],
    ]
    assert main(["list", "--json"]) == 0
    assert '"sha256": "' + hashlib.sha256((history / "mini.yaml").read_bytes()).hexdigest() in capsys.readouterr().out


def test_list_shows_the_bundled_packs_of_this_checkout(capsys: pytest.CaptureFixture[str]) -> None:
    from grievance_rules.cli import main

    assert main(["list"]) == 0
    rows = [r.split() for r in capsys.readouterr().out.splitlines()[1:]]
    assert [r[0] for r in rows] == [
        "ctdhp",
        "liberty",
        "liberty-access",
        "liberty-p4p",
        "liberty-referrals",
        "liberty-utilization",
        "luxor",
    ]
    assert rows[1][2] == "2012-03-13.." and rows[6][2:4] == ["any", "date"]
    assert rows[2][2] == "2012-03-20.."
    assert all(Path(r[-1]).parent == packs.bundled_dir().resolve() for r in rows)


def test_version_option_prints_the_version_and_where_the_package_is(capsys: pytest.CaptureFixture[str]) -> None:
    from grievance_rules.cli import main

    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    out = capsys.readouterr().out.strip()
    assert out == f"grievance-rules {gr.__version__} ({Path(gr.__file__).resolve().parent})"


# ------------------------------------------------------------------ versions cross processes and edges


def test_a_multi_version_policy_pickles_whole(history: Path) -> None:
    """Contract section 1: a policy pickles as what loads it again; every version comes back.

    The files are deleted before unpickling: the pickle carries each version's YAML text.
    """
    import pickle

    policy = gr.load_policy(history)
    data = pickle.dumps(policy)
    for file in history.iterdir():
        file.unlink()
    again = pickle.loads(data)
    assert [v.version for v in again.versions] == ["1.0", "2.0"]
    # same instants as the selection test above: 1.0 on 30 June (due Mon 8 July), 2.0 on 1 July (due Thu 11 July)
    assert again.evaluate(facts("2024-06-30T23:30:00-05:00")).policy.version == "1.0"
    assert ack(again.evaluate(facts("2024-07-01T23:30:00-05:00"))) == dt.date(2024, 7, 11)


@pytest.mark.parametrize("received_at", ["0001-01-01T00:00:00+00:00", "9999-12-31T10:00:00-06:00"])
def test_a_receipt_the_calendar_cannot_serve_is_a_facts_error_with_versions(history: Path, received_at: str) -> None:
    """Choosing the version must not overflow before the facts are checked (issue 10 point 16)."""
    policy = gr.load_policy(history)
    with pytest.raises(gr.FactsError) as info:
        policy.evaluate(facts(received_at))
    assert info.value.field == "received_at"


def test_tables_follow_the_receipt_date_row_by_row(history: Path) -> None:
    """evaluate_table routes each row to the version in force on its local receipt date (the
    receipt read once for routing and reused), and agrees with evaluate on every row."""
    pa = pytest.importorskip("pyarrow")
    policy = gr.load_policy(history)
    stamps = [
        "2024-06-30T23:30:00-05:00",
        "2024-07-01T04:30:00Z",
        "2024-06-30T23:30:00",
        "2024-07-01T23:30:00-05:00",
        "2024-07-02T04:30:00Z",
        "2024-01-01T00:00:00-06:00",
        "2023-12-31T23:00:00",  # before every version: the row carries evaluate's error
        "2024-08-15T10:00:00",
    ]
    records = [{**facts(at), "id": f"V-{i}"} for i, at in enumerate(stamps)]
    table = policy.evaluate_table(pa.Table.from_pylist(records)).to_pylist()
    for record, row in zip(records, table, strict=True):
        try:
            det = policy.evaluate(record)
        except gr.FactsError as exc:
            assert row["error"] == str(exc)
            continue
        assert row["error"] is None
        assert row["acknowledge_due_at"].date() == ack(det)
    assert [r["acknowledge_due_at"].date() for r in table[:6]] == [
        dt.date(2024, 7, 8),
        dt.date(2024, 7, 8),
        dt.date(2024, 7, 8),
        dt.date(2024, 7, 11),
        dt.date(2024, 7, 11),
        dt.date(2024, 1, 8),
    ]
    assert table[6]["error"] is not None
