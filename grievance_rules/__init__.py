"""grievance-rules: what a dental or health plan must do about a member's grievance, and by when.

A plan's rules live in a YAML policy pack. The library validates the pack, compiles it into a
durable-rules ruleset and evaluates grievance facts against it::

    import grievance_rules as gr

    policy = gr.load_policy(gr.available_policies()[0])   # a pack id, or a path to a YAML file
    det = policy.evaluate({"id": "G-1", "received_at": "2024-11-22T10:00:00-06:00", "channel": "mail"})
    det.model_dump(mode="json")
"""

from grievance_rules.calendar import PlanCalendar
from grievance_rules.casebook import CaseBook, CaseBookResult, Escalation
from grievance_rules.dask import DaskMissingError
from grievance_rules.determination import ActionResult, Determination, PolicyRef, TraceEntry
from grievance_rules.diff import Change, PolicyDiff, diff_policies, render_diff
from grievance_rules.engine import EngineRejection
from grievance_rules.errors import (
    EvaluationError,
    FactProblem,
    FactsError,
    GrievanceRulesError,
    PolicyError,
    PolicyNotFoundError,
    PolicyVersionNotFoundError,
    Problem,
    ReportError,
)
from grievance_rules.explain import Explanation, explain, render_explanation
from grievance_rules.export import ExportError, ExportLayout
from grievance_rules.facts import Event, Grievance, Party, Planned
from grievance_rules.packs import available_policies, load_policy, validate_file
from grievance_rules.period import Period, PeriodError, parse_period
from grievance_rules.policy import Policy
from grievance_rules.records import UnreadableRecord, read_records
from grievance_rules.replay import ReplayReport, render_replay, replay
from grievance_rules.report import OpenAfter, RecordProblem, Report, ReportPart, ReportPass, ReportPeriod, Timeliness
from grievance_rules.report_render import ReportRenderError, report_csv, report_html, report_markdown, report_parquet
from grievance_rules.table import TableError
from grievance_rules.worklist import WorkItem, Worklist, WorklistError, WorklistPass, build_worklist

__version__ = "0.1.0"

__all__ = [
    "ActionResult",
    "CaseBook",
    "CaseBookResult",
    "Change",
    "DaskMissingError",
    "Determination",
    "EngineRejection",
    "Escalation",
    "EvaluationError",
    "Event",
    "Explanation",
    "ExportError",
    "ExportLayout",
    "FactProblem",
    "FactsError",
    "Grievance",
    "GrievanceRulesError",
    "OpenAfter",
    "Party",
    "Period",
    "PeriodError",
    "PlanCalendar",
    "Planned",
    "Policy",
    "PolicyDiff",
    "PolicyError",
    "PolicyNotFoundError",
    "PolicyRef",
    "PolicyVersionNotFoundError",
    "Problem",
    "RecordProblem",
    "ReplayReport",
    "Report",
    "ReportError",
    "ReportPart",
    "ReportPass",
    "ReportPeriod",
    "ReportRenderError",
    "TableError",
    "Timeliness",
    "TraceEntry",
    "UnreadableRecord",
    "WorkItem",
    "Worklist",
    "WorklistError",
    "WorklistPass",
    "__version__",
    "available_policies",
    "build_worklist",
    "diff_policies",
    "explain",
    "load_policy",
    "parse_period",
    "read_records",
    "render_diff",
    "render_explanation",
    "render_replay",
    "replay",
    "report_csv",
    "report_html",
    "report_markdown",
    "report_parquet",
    "validate_file",
]
