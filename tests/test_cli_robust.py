"""The command line never loses a record, never stops a batch for one record, and ends quietly.

Issue 10, points 1-5, 8, 10 and 22: each test here failed on the code before the fix.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from helpers import FIXTURES, ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import grievance_rules as gr
from grievance_rules.cli import main
from grievance_rules.packs import ENTRY_POINT_GROUP
from grievance_rules.records import UnreadableRecord, read_records

MINI = str(FIXTURES / "mini.yaml")
BAD_POLICY = str(FIXTURES / "invalid" / "seven_mistakes.yaml")


def good(i: int) -> dict[str, Any]:
    return {"id": f"G{i}", "received_at": "2024-11-22T10:00:00-06:00", "channel": "mail"}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def cli(*argv: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """The command in a child process, importing this checkout."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "grievance_rules.cli", *argv],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        cwd=ROOT,
        timeout=120,
        **kwargs,
    )


def rows_of(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines()]


# -------------------------------------------------------------- 1. format from the whole text


@pytest.mark.parametrize("first", ["{not json", '{"id": "cut", "received_at":', "[1, 2]", '"just text"', "["])
def test_a_bad_first_line_does_not_turn_json_lines_into_one_document(
    first: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "batch.jsonl"
    f.write_text(first + "\n" + "".join(json.dumps(good(i)) + "\n" for i in range(2, 1001)))
    code, out, _ = run(capsys, "evaluate", "--policy", MINI, str(f))
    rows = rows_of(out)
    assert code == 1 and len(rows) == 1000
    assert rows[0]["record"] == 1 and "error" in rows[0]
    assert [r["grievance_id"] for r in rows[1:]] == [f"G{i}" for i in range(2, 1001)]


def test_one_document_only_when_the_whole_text_is_one_value(tmp_path: Path) -> None:
    pretty = tmp_path / "pretty.json"
    pretty.write_text(json.dumps([good(1), good(2)], indent=2))
    assert [(p, r["id"]) for p, r in read_records(pretty)] == [(1, "G1"), (2, "G2")]
    one = tmp_path / "one.json"
    one.write_text(json.dumps(good(1), indent=2))
    assert [p for p, _ in read_records(one)] == [1]
    # an array on each of two lines is JSON Lines: each line one record, not flattened
    lines = tmp_path / "arrays.jsonl"
    lines.write_text("[1, 2]\n[3]\n")
    assert list(read_records(lines)) == [(1, [1, 2]), (2, [3])]
    # an array opened on line 1 that never becomes one value: every later line keeps its place
    broken = tmp_path / "broken.jsonl"
    broken.write_text("[\n" + json.dumps(good(2)) + "\n" + json.dumps(good(3)) + "\n")
    records = list(read_records(broken))
    assert isinstance(records[0][1], UnreadableRecord) and [p for p, _ in records] == [1, 2, 3]


def test_an_opener_sees_the_handle_for_progress(tmp_path: Path) -> None:
    f = tmp_path / "batch.jsonl"
    f.write_text(json.dumps(good(1)) + "\n" + json.dumps(good(2)) + "\n")
    handles: list[Any] = []

    def opener(path: str) -> Any:
        handles.append(open(path, "rb"))  # noqa: SIM115 - read_records closes it
        return handles[-1]

    assert [p for p, _ in read_records(f, opener=opener)] == [1, 2]
    assert len(handles) == 1 and handles[0].closed


# -------------------------------------------------------------- 2. invalid UTF-8 on one line


def test_invalid_utf8_on_one_line_is_an_error_in_its_place(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = [json.dumps(good(i)).encode() for i in range(1, 5001)]
    lines[3749] = b'{"id": "G3750", "narrative": "caf\xe9 \xff"}'  # latin-1, not UTF-8, at line 3,750
    f = tmp_path / "batch.jsonl"
    f.write_bytes(b"\n".join(lines) + b"\n")
    code, out, _ = run(capsys, "evaluate", "--policy", MINI, str(f))
    rows = rows_of(out)
    assert code == 1 and len(rows) == 5000
    assert rows[3749] == {"error": "line 3750 is not UTF-8 text", "record": 3750, "id": None, "field": None}
    assert rows[4999]["grievance_id"] == "G5000"


def test_reader_keeps_every_line_of_a_large_file_around_a_bad_byte(tmp_path: Path) -> None:
    body = b"".join(json.dumps({"id": f"G{i}"}).encode() + b"\n" for i in range(1, 20_001))
    f = tmp_path / "big.jsonl"
    f.write_bytes(body.replace(b'{"id": "G15000"}', b'{"id": "G\xc315000"}'))
    records = list(read_records(f))
    assert [p for p, _ in records] == list(range(1, 20_001))
    assert isinstance(records[14_999][1], UnreadableRecord) and records[15_000][1] == {"id": "G15001"}


# -------------------------------------------------------------- 3. one record never aborts a batch


def test_records_that_break_the_reader_or_the_engine_stay_in_place(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [
        json.dumps(good(1)),
        json.dumps({**good(2), "received_at": "0001-01-01T00:00:00+00:00"}),
        '{"id": "G3", "member": ' + "[" * 100_000 + "]" * 100_000 + "}",  # nested 100,000 deep
        '{"id": "G4", "amount": ' + "7" * 5000 + "}",  # beyond Python's int-str digit limit
        json.dumps(good(5)),
    ]
    f = tmp_path / "batch.jsonl"
    f.write_text("\n".join(lines) + "\n")
    code, out, err = run(capsys, "evaluate", "--policy", MINI, str(f))
    rows = rows_of(out)
    assert code == 1 and [r.get("record") for r in rows[1:4]] == [2, 3, 4]
    assert all("error" in r for r in rows[1:4]) and rows[1]["id"] == "G2"
    assert rows[0]["grievance_id"] == "G1" and rows[4]["grievance_id"] == "G5"
    assert "7777" not in out and "Traceback" not in err


def test_an_unexpected_error_in_one_record_becomes_its_error_object(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = gr.Policy.evaluate

    def flaky(self: gr.Policy, facts: Any, **kwargs: Any) -> gr.Determination:
        if facts.get("id") == "G2":
            raise RuntimeError("secret words from deep inside")
        return real(self, facts, **kwargs)

    monkeypatch.setattr(gr.Policy, "evaluate", flaky)
    f = tmp_path / "batch.json"
    f.write_text(json.dumps([good(1), good(2), good(3)]))
    code, out, _ = run(capsys, "evaluate", "--policy", MINI, str(f))
    rows = rows_of(out)
    assert code == 1 and [r.get("grievance_id") for r in rows] == ["G1", None, "G3"]
    assert rows[1] == {
        "error": "this record could not be evaluated (RuntimeError)",
        "record": 2,
        "id": "G2",
        "field": None,
    }
    assert "secret" not in out


# -------------------------------------------------------------- 4. validate checks every file


def test_validate_checks_and_reports_every_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import grievance_rules.cli as cli_module

    real = cli_module.validate_file
    boom = tmp_path / "boom.yaml"
    boom.write_text("x: 1\n")
    lost = tmp_path / "lost.yaml"
    lost.write_text("x: 1\n")

    def checker(path: str) -> list[gr.Problem]:
        if path == str(boom):
            raise RuntimeError("deep inside")
        if path == str(lost):
            raise gr.PolicyNotFoundError("other", ["luxor"])
        return real(path)

    monkeypatch.setattr(cli_module, "validate_file", checker)
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(b"id: caf\xe9\n")
    paths = [str(boom), str(tmp_path / "missing.yaml"), str(tmp_path), str(lost), BAD_POLICY, str(latin), MINI]
    code, out, _ = run(capsys, "validate", *paths)
    assert code == 2  # a missing file is a usage error; every other file was still checked
    assert f"{boom}: internal error while checking (RuntimeError); please report it" in out
    assert f"no such file: {tmp_path / 'missing.yaml'}" in out and "is a directory" in out
    assert f"{lost}: no policy pack 'other'" in out
    assert f"{BAD_POLICY}:8:13" in out and f"{latin}:1:1" in out
    assert out.splitlines()[-1] == f"{MINI}: ok"
    code, out, _ = run(capsys, "validate", BAD_POLICY, str(boom), MINI)
    assert code == 1 and out.splitlines()[-1] == f"{MINI}: ok"


def test_validate_reports_an_unreadable_file_and_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = tmp_path / "locked.yaml"
    locked.write_text("id: x\n")
    locked.chmod(0)
    if os.geteuid() == 0:  # root reads any file: make access() answer as for anyone else
        real = os.access
        monkeypatch.setattr(os, "access", lambda path, mode: False if str(path) == str(locked) else real(path, mode))
    code, out, _ = run(capsys, "validate", str(locked), MINI)
    assert code == 1 and f"cannot read {locked} (permission denied)" in out and out.splitlines()[-1] == f"{MINI}: ok"


# -------------------------------------------------------------- 5 and 8. worklist


def test_worklist_goes_on_past_a_record_naming_an_unknown_or_path_pack(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    facts = {**good(9), "received_at": "2024-11-15T10:00:00-06:00"}
    records = [
        {"policy": "nope", "facts": good(1)},
        {"policy": "/etc/passwd", "facts": good(2)},
        {"policy": "../../../../etc/passwd", "facts": good(3)},
        {"policy": MINI, "facts": good(4)},  # a path, even to a good pack: paths come only from --policy
        {"policy": "luxor", "facts": {**facts, "id": "L"}},
    ]
    f = tmp_path / "cases.jsonl"
    f.write_text("".join(json.dumps(r) + "\n" for r in records))
    code, out, _ = run(capsys, "worklist", str(f), "--as-of", "2024-12-02", "--json")
    data = json.loads(out)
    assert code == 1 and [e["record"] for e in data["errors"]] == [1, 2, 3, 4]
    assert all(e["field"] == "policy" and "names no installed pack" in e["error"] for e in data["errors"])
    assert [i["grievance_id"] for i in data["items"]] == ["L"]
    assert "root" not in out and "found" not in out and "passwd" not in out


def test_a_record_naming_a_path_is_refused_by_the_library_too() -> None:
    wl = gr.build_worklist([{"policy": MINI, "facts": good(1)}], dt.date(2024, 12, 2))
    assert wl.errors[0].field == "policy" and wl.items == ()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--as-of", "9999-12-31"], "--as-of: a day from 1900-01-01 to 2099-12-31"),
        (["--as-of", "0001-01-01"], "--as-of: a day from 1900-01-01 to 2099-12-31"),
        (["--as-of", "2024-12-02", "--within", "99999999"], "--within: a number of days from 0 to 3660"),
        (["--as-of", "2024-12-02", "--within", "-1"], "--within: a number of days from 0 to 3660"),
    ],
)
def test_worklist_bounds_are_usage_errors(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "cases.jsonl"
    f.write_text(json.dumps(good(1)) + "\n")
    code, out, err = run(capsys, "worklist", str(f), "--policy", MINI, *argv)
    assert code == 2 and err == f"grievance-rules: {message}\n" and out == ""


def test_worklist_library_bounds() -> None:
    with pytest.raises(gr.GrievanceRulesError, match="within must be 0 to 3660"):
        gr.WorklistPass([], dt.date(2024, 12, 2), within=99_999_999)
    with pytest.raises(gr.GrievanceRulesError, match="between 1900-01-01 and 2099-12-31"):
        gr.WorklistPass([], dt.date(9999, 12, 31))


def test_spill_files_merge_in_stages_with_a_small_fan_in(mini: gr.Policy) -> None:
    many = [good(i) | {"received_at": f"2024-11-{1 + i % 28:02d}T{8 + i % 9:02d}:00:00-06:00"} for i in range(300)]
    day = dt.date(2024, 12, 2)
    in_memory = list(gr.WorklistPass(many, day, within=5, policy=mini))
    staged = list(gr.WorklistPass(many, day, within=5, policy=mini, chunk_size=2, fan_in=3))
    assert staged == in_memory and len(in_memory) > 200


def test_more_spill_files_than_open_files_allowed(tmp_path: Path) -> None:
    # 1,500 one-item chunks under a limit of 200 open files: one file per chunk at once hits EMFILE
    script = f"""
import datetime as dt, resource, sys
sys.path.insert(0, {str(ROOT)!r})
import grievance_rules as gr
policy = gr.load_policy({MINI!r})
cases = [{{"id": f"G{{i}}", "received_at": "2024-11-15T10:00:00-06:00", "channel": "mail"}} for i in range(1500)]
resource.setrlimit(resource.RLIMIT_NOFILE, (200, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
items = list(gr.WorklistPass(cases, dt.date(2024, 12, 2), policy=policy, chunk_size=1))
print(len(items), items[0].grievance_id, items[-1].grievance_id)
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["1500", "G0", "G999"]  # same due moment: ordered by id as text


# -------------------------------------------------------------- 10. one broken plugin fails alone


def _fake_entry_points(monkeypatch: pytest.MonkeyPatch) -> None:
    group = ENTRY_POINT_GROUP
    broken = [
        importlib.metadata.EntryPoint(name="aaa-missing", value="no_such_module_h10a:pack", group=group),
        importlib.metadata.EntryPoint(name="aab-exits", value="sys:exit", group=group),
        importlib.metadata.EntryPoint(name="aac-not-a-pack", value="os:getcwd", group=group),
    ]

    def entry_points(**params: Any) -> Any:
        return broken if params.get("group") == group else importlib.metadata.EntryPoints(())

    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)


def test_docs_goes_on_past_broken_plugins(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_entry_points(monkeypatch)
    code, out, err = run(capsys, "docs", "--out", str(tmp_path))
    assert code == 1
    bundled = ["ctdhp", "liberty", "liberty-access", "liberty-p4p", "liberty-referrals", "liberty-utilization", "luxor"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{b}.md" for b in bundled)
    for name in ("aaa-missing", "aab-exits"):
        assert f"the installed pack {name!r} failed to load its entry point" in err
    assert "aac-not-a-pack" not in out
    code, out, err = run(capsys, "list")
    assert code == 1 and [line.split()[0] for line in out.splitlines()[1:]] == bundled
    for name in ("aaa-missing", "aab-exits"):
        assert f"<pack {name}>:1:1: GR001: the installed pack {name!r} failed to load its entry point" in err
    code, out, err = run(capsys, "docs", "--out", str(tmp_path / "two"), "no-such-pack", "luxor")
    assert code == 2 and "no policy pack 'no-such-pack'" in err and out == f"wrote {tmp_path / 'two' / 'luxor.md'}\n"


def test_worklist_record_naming_a_broken_plugin_fails_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_entry_points(monkeypatch)
    facts = {**good(1), "received_at": "2024-11-15T10:00:00-06:00"}
    records = [{"policy": "aab-exits", "facts": facts}, {"policy": "aaa-missing", "facts": facts}] * 2
    records.append({"policy": "luxor", "facts": facts})
    f = tmp_path / "cases.jsonl"
    f.write_text("".join(json.dumps(r) + "\n" for r in records))
    code, out, _ = run(capsys, "worklist", str(f), "--as-of", "2024-12-02", "--json")
    data = json.loads(out)
    assert code == 1 and [e["record"] for e in data["errors"]] == [1, 2, 3, 4]
    assert len(data["items"]) == 1


# -------------------------------------------------------------- 22. pipes and odd inputs


def _into_closed_pipe(*argv: str) -> tuple[int, str]:
    """Run the command, read one line of its output and close the pipe (``| head -1``)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "grievance_rules.cli", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=ROOT,
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.stderr.close()
    return proc.wait(timeout=120), err


@pytest.fixture(scope="module")
def many_cases(tmp_path_factory: pytest.TempPathFactory) -> Path:
    f = tmp_path_factory.mktemp("pipe") / "cases.jsonl"
    f.write_text(
        "".join(json.dumps({**good(i), "received_at": "2024-11-15T10:00:00-06:00"}) + "\n" for i in range(3000))
    )
    return f


@pytest.mark.parametrize(
    "argv",
    [
        ["evaluate", "--policy", MINI],
        ["worklist", "--policy", MINI, "--as-of", "2024-12-02"],
        ["worklist", "--policy", MINI, "--as-of", "2024-12-02", "--json"],
    ],
)
def test_a_closed_output_pipe_ends_quietly(argv: list[str], many_cases: Path) -> None:
    code, err = _into_closed_pipe(*argv, str(many_cases))
    assert code == 141 and err == ""


def test_validate_into_a_closed_pipe_ends_quietly() -> None:
    code, err = _into_closed_pipe("validate", *[MINI] * 4000)
    assert code == 141 and err == ""


def test_a_directory_or_dev_null_says_what_it_is(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "evaluate", "--policy", MINI, str(tmp_path))
    assert code == 2 and err == f"grievance-rules: {tmp_path} is a directory, not a file of records\n"
    code, out, err = run(capsys, "worklist", str(tmp_path), "--policy", MINI, "--as-of", "2024-12-02")
    assert code == 2 and "is a directory" in err
    code, out, err = run(capsys, "evaluate", "--policy", MINI, os.devnull)
    assert code == 0 and out == ""
    assert err.splitlines()[0] == f"grievance-rules: {os.devnull}: no records (the input is empty)"


def test_dev_stdin_and_process_substitution_are_read(tmp_path: Path) -> None:
    f = tmp_path / "one.json"
    f.write_text(json.dumps(good(1)))
    with f.open("rb") as stdin:
        result = cli("evaluate", "--policy", MINI, "/dev/stdin", stdin=stdin)
    assert result.returncode == 0 and json.loads(result.stdout)["grievance_id"] == "G1"
    with f.open("rb") as stdin:
        result = cli("evaluate", "--policy", MINI, "-", stdin=stdin)
    assert result.returncode == 0 and json.loads(result.stdout)["grievance_id"] == "G1"
    # what bash's <(...) passes: /dev/fd/N, the read end of a pipe
    read_end, write_end = os.pipe()

    def feed() -> None:
        with os.fdopen(write_end, "wb") as w:
            w.write((json.dumps(good(2)) + "\n" + json.dumps(good(3)) + "\n").encode())

    writer = threading.Thread(target=feed)
    writer.start()
    try:
        result = cli("evaluate", "--policy", MINI, f"/dev/fd/{read_end}", pass_fds=(read_end,))
    finally:
        writer.join()
        os.close(read_end)
    assert result.returncode == 0, result.stderr
    assert [r["grievance_id"] for r in rows_of(result.stdout)] == ["G2", "G3"]


# -------------------------------------------------------------- fuzz: the reader and a batch lose nothing

FUZZ = settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])

_LINE = st.one_of(
    st.builds(lambda d: json.dumps(d).encode(), st.dictionaries(st.text(max_size=5), st.integers(), max_size=3)),
    st.binary(max_size=12),  # garbage, invalid UTF-8, partial JSON
    st.sampled_from([b"", b"  ", b"[", b"]", b"{", b"}", b"[1,", b'"', b"\xff", b"\xef\xbb\xbf{}", b"1" * 4400]),
    st.integers(1, 3000).map(lambda n: b"[" * n + b"]" * n),
)


@FUZZ
@given(st.lists(_LINE, min_size=1, max_size=12))
def test_fuzz_every_non_blank_line_keeps_its_place(lines: list[bytes]) -> None:
    """Unless the whole text is one JSON value, every non-blank line is one record at its line number."""
    from grievance_rules.records import read_lines

    got = list(read_lines(line + b"\n" for line in lines))
    text = b"\n".join(lines).removeprefix(b"\xef\xbb\xbf")
    try:
        json.loads(text.decode("utf-8"))
        one_document = True
    except (ValueError, RecursionError):
        one_document = False
    if not one_document:
        expected = [
            n for n, raw in enumerate(lines, start=1) if raw.removeprefix(b"\xef\xbb\xbf" if n == 1 else b"").strip()
        ]
        assert [p for p, _ in got] == expected
    for position, record in got:
        if isinstance(record, UnreadableRecord):
            assert record.position == position and str(position) in record.message


@settings(max_examples=30, deadline=None, database=None)  # each example loads the pack: about 0.2 s
@given(
    st.lists(
        st.dictionaries(
            st.sampled_from(["id", "received_at", "channel", "events", "x"]),
            st.recursive(
                st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
                lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
                max_leaves=6,
            ),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_fuzz_a_batch_answers_every_record_in_order(records: list[dict[str, Any]]) -> None:
    import contextlib
    import io

    f = io.StringIO("".join(json.dumps(r) + "\n" for r in records))
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        old, sys.stdin = sys.stdin, f
        try:
            code = main(["evaluate", "--policy", MINI, "-"])
        finally:
            sys.stdin = old
    rows = rows_of(out.getvalue())
    assert code in (0, 1) and len(rows) == len(records)
    for n, row in enumerate(rows, start=1):
        assert "grievance_id" in row or row["record"] == n


# -------------------------------------------------------------- the other subcommands read the same way

CTDHP_CASE = {"id": "C1", "received_at": "2014-11-03T10:00:00-05:00", "channel": "phone"}


@pytest.mark.parametrize(
    "argv",
    [
        ["explain", "--policy", MINI],
        ["replay", "--policy", MINI, "--against", MINI, "--format", "json"],
        ["report", "--policy", "ctdhp", "--report", "quarterly", "--period", "2014Q4", "--format", "json"],
        ["export", "--policy", MINI, "--format", "csv", "--output", "-"],
    ],
)
def test_every_reading_subcommand_keeps_going_past_broken_records(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = CTDHP_CASE if argv[0] == "report" else good(1)
    lines = [
        "{broken first line",
        json.dumps({**first, "id": "Y1", "received_at": "0001-01-01T00:00:00+00:00"}),
        '{"id": "deep", "x": ' + "[" * 100_000 + "]" * 100_000 + "}",
        json.dumps(first),
    ]
    f = tmp_path / "batch.jsonl"
    f.write_bytes(("\n".join(lines) + "\n").encode() + b'{"id": "\xff"}\n')
    code, out, err = run(capsys, *argv, str(f))
    assert code == 1 and "Traceback" not in err
    if argv[0] == "explain":
        assert [line.split(":")[0] for line in err.splitlines()] == [f"record {n}" for n in (1, 2, 3, 5)]
        assert "C1" not in out and "G1" in out  # the good record, after the broken ones, is explained
    elif argv[0] == "replay":
        assert json.loads(out)["records"] == 5
    elif argv[0] == "export":
        assert [row.split(",")[0] for row in out.splitlines()] == ["grievance_id", "G1"]
        assert [line.split(": ")[1] for line in err.splitlines()[:4]] == [f"record {n}" for n in (1, 2, 3, 5)]
    else:
        data = json.loads(out)
        assert data["total"] == 1 and [e["record"] for e in data["errors"]] == [1, 2, 3, 5]
    code, _, err = run(capsys, *argv, str(tmp_path))
    assert code == 2 and "is a directory" in err
