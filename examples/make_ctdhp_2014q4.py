"""Write examples/ctdhp-2014Q4.jsonl: 202 synthetic CTDHP grievances matching the seed's 4th-quarter-2014 report.

The seed (000_aa41c7bbf3b6f886.txt, "4th Quarter 2014 Grievance Report") gives 202 grievances:
by type Provider Access 0, Quality of Provider Service 191, Quality of ASO Service 0, Other 11;
by level I 197, II 5, III 0. This script builds grievances with exactly those types and levels
(levels follow from the concern tags through the pack's level rules), received at times to the
minute spread over October-December 2014 (Eastern time). Nobody in it is real: ids are G-2014Q4-001...,
offices are "Practice P-01"..., and there are no names, member ids or narratives.

Deterministic (a seeded random generator): running it again writes the same file byte for byte.
Run from the repository root: ``python examples/make_ctdhp_2014q4.py``.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path
from zoneinfo import ZoneInfo

OUT = Path(__file__).with_name("ctdhp-2014Q4.jsonl")
TZ = ZoneInfo("America/New_York")
START = dt.date(2014, 10, 1)
DAYS = 92  # 1 October to 31 December 2014

LEVEL_I = ["office_unclean", "staff_rude", "incorrect_billing", "misinformation", "benefit_not_covered"]
LEVEL_II = ["instruments_not_sterilized", "unauthorized_treatment", "poor_quality_work", "unsafe_environment"]
OTHER = ["benefit_not_covered", "misinformation"]  # "benefit limitations and hearing related issues"


def _moment(rng: random.Random, day_index: int) -> dt.datetime:
    day = START + dt.timedelta(days=day_index)
    return dt.datetime(day.year, day.month, day.day, rng.randint(8, 16), rng.randint(0, 59), tzinfo=TZ)


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="minutes")


def build() -> list[dict[str, object]]:
    """The 202 grievances, in order of receipt."""
    rng = random.Random(20141231)
    # (type, level) of each grievance: 191 quality of provider service (186 Level I, 5 Level II), 11 other
    kinds = [("quality_of_provider_service", "II")] * 5 + [("quality_of_provider_service", "I")] * 186
    kinds += [("other", "I")] * 11
    rng.shuffle(kinds)
    days = sorted(rng.randrange(DAYS) for _ in kinds)
    records: list[dict[str, object]] = []
    level_ii_seen = 0
    for n, ((gtype, level), day_index) in enumerate(zip(kinds, days, strict=True), start=1):
        received = _moment(rng, day_index)
        record: dict[str, object] = {
            "id": f"G-2014Q4-{n:03d}",
            "received_at": _iso(received),
            "channel": rng.choice(["phone"] * 8 + ["mail", "fax", "email"]),
            "type": gtype,
            "provider": {"name": f"Practice P-{rng.randint(1, 60):02d}"},
        }
        events: list[dict[str, str]] = []
        if level == "II":
            record["concerns"] = [rng.choice(LEVEL_II)]
            level_ii_seen += 1
            # office visit within 5 calendar days (the pack's reading): four on time, the fifth
            # on day 7, late; follow-up 30 days after the visit
            visit = received + dt.timedelta(days=3 if level_ii_seen < 5 else 7, hours=1)
            events.append({"type": "office_visited", "at": _iso(visit)})
            events.append({"type": "corrective_action_plan_received", "at": _iso(visit + dt.timedelta(days=10))})
            events.append({"type": "followed_up", "at": _iso(visit + dt.timedelta(days=30))})
            record["resolved_at"] = _iso(visit + dt.timedelta(days=30, hours=2))
        else:
            record["concerns"] = [rng.choice(OTHER if gtype == "other" else LEVEL_I)]
            if rng.random() < 0.9:
                resolved = received + dt.timedelta(days=rng.choice([0, 1, 1, 2, 3, 5, 8, 13, 21]), hours=2)
                if rng.random() < 0.4:
                    events.append({"type": "contacted", "at": _iso(received + dt.timedelta(hours=1))})
                record["resolved_at"] = _iso(resolved)
        if events:
            record["events"] = events
        records.append(record)
    # two grievances at the quarter's edges, written in UTC: their local (Eastern) dates are
    # 1 October and 31 December 2014, so they belong to the quarter although their UTC dates differ
    first = dt.datetime(2014, 10, 1, 0, 30, tzinfo=TZ).astimezone(dt.UTC)
    last = dt.datetime(2014, 12, 31, 23, 45, tzinfo=TZ).astimezone(dt.UTC)
    records[0]["received_at"] = first.isoformat(timespec="minutes").replace("+00:00", "Z")
    records[-1]["received_at"] = last.isoformat(timespec="minutes").replace("+00:00", "Z")
    for edge in (records[0], records[-1]):
        edge.pop("resolved_at", None)
        edge.pop("events", None)
    return records


def main() -> None:
    """Write the file."""
    with OUT.open("w", encoding="utf-8") as handle:
        for record in build():
            handle.write(json.dumps(record) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
