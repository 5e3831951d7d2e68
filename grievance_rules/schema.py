"""The policy-pack format: pydantic v2 models of a pack, and the catalogue of facts rules may test.

A pack is plain YAML checked against :class:`PolicySpec`. Every model forbids unknown keys
(a typo is an error, never an ignored field) and is frozen (a loaded policy cannot drift).

Conditions (``when:``) are type-checked at load time against the *fact catalogue*: the facts
a rule may test, their types and, for enumerations, their allowed values. The catalogue is
built from the names the pack itself declares (its concern tags, types, events, choices...),
which the loader collects before validation and passes as pydantic validation context.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cached_property
from typing import Annotated, Any, Literal, cast, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from grievance_rules.errors import did_you_mean
from grievance_rules.registry import (
    CHANNELS,
    COMPLAINANTS,
    RECORD_FIELDS,
    Channel,
    Declared,
    FactType,
    build_catalogue,
    coerce_fact,
    operand_value,
)

#: A budget of "did you mean" comparisons, set by the loader for one pack: a pack with thousands of
#: near misses against thousands of declared names would otherwise spend minutes on suggestions.
HINT_BUDGET: ContextVar[list[int] | None] = ContextVar("HINT_BUDGET", default=None)
#: The most names an error message lists.
LISTED = 30


def hint(found: Any, allowed: Iterable[str]) -> str:
    """``did_you_mean`` within the current budget (none when it is spent); long inputs are cut."""
    names = tuple(allowed)
    budget = HINT_BUDGET.get()
    if budget is not None:
        if budget[0] < len(names):
            return ""
        budget[0] -= len(names)
    return did_you_mean(str(found)[:100], names)


def listing(names: Iterable[Any]) -> str:
    """Names for an error message, at most :data:`LISTED` of them."""
    seq = names if isinstance(names, (list, tuple)) else list(names)
    shown = ", ".join(str(n) for n in seq[:LISTED])
    return shown if len(seq) <= LISTED else f"{shown}, ... ({len(seq)} in all)"


__all__ = [
    "CHANNELS",
    "COMPLAINANTS",
    "PATTERN_WORDS",
    "ActionRule",
    "AnchorRef",
    "Calendar",
    "Channel",
    "Choice",
    "ChoiceRule",
    "Citation",
    "Condition",
    "Deadline",
    "Declared",
    "DeemedReceipt",
    "Delegation",
    "DelegationRow",
    "Effective",
    "Extension",
    "FactDeclaration",
    "FactType",
    "FilingWindow",
    "FlagRule",
    "HolidaySource",
    "Pattern",
    "PolicySpec",
    "PrintedRate",
    "RecordRequirement",
    "ReportMeasures",
    "ReportSpec",
    "Retention",
    "Timer",
    "WarningRule",
    "build_catalogue",
    "operand_value",
    "policy_json_schema",
]

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

#: Every text form the format requires, said in words: a validation message shows these, never the
#: regular expression (tests/test_validator.py checks every pattern of the JSON Schema has words).
PATTERN_WORDS: dict[str, str] = {
    r"^[a-z][a-z0-9_]*$": "a lower-case name like my_plan (a letter a-z, then letters a-z, digits or _)",
    r"^[A-Za-z0-9][A-Za-z0-9_]*$": "a value like formal or III (letters, digits and _, no spaces)",
    r"^[A-Z]{2,3}$": "an upper-case ISO 3166 country code like US",
    r"^([01][0-9]|2[0-3]):[0-5][0-9]$": 'a time of day like 17:00 (24-hour HH:MM, quoted: "17:00")',
    r"^[0-9A-Za-z][0-9A-Za-z.+_-]*$": 'a version like "1.0" or "2024.2" (letters, digits, . + _ -)',
    r"^[0-9]+(\.[0-9]+)?$": "a figure exactly as printed, like '0.00467' (digits, one optional decimal point, quoted)",
    r"^schedule:[a-z][a-z0-9_]*$": "a scheduled moment: schedule:<schedule type>",
    r"^[a-z][a-z0-9_]*(-[a-z0-9_]+)*$": (
        "a pack id like my_plan or my-plan-referrals (lower-case letters, digits, _ and -)"
    ),
    r"^(receipt|event:[a-z][a-z0-9_]*|action:[a-z][a-z0-9_]*)$": (
        "an anchor: receipt, event:<event type> or action:<action id>"
    ),
}

Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
Value = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_]*$")]
Text = Annotated[str, StringConstraints(min_length=1)]
Scalar = StrictBool | StrictInt | StrictFloat | StrictStr


class StrictModel(BaseModel):
    """Base of every pack model: unknown keys are errors and loaded values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# --------------------------------------------------------------------------- citations


class Citation(StrictModel):
    """Where in the plan's document a rule comes from."""

    file: Text = Field(description="The seed document, e.g. 004_ef56c9d8f10067a0.txt.")
    section: Text = Field(description="The section, heading or passage within it.")
    quote: str | None = Field(default=None, description="Optional short quotation of the text.")

    def render(self) -> str:
        """The citation as one line: ``file, section``."""
        return f"{self.file}, {self.section}"


# --------------------------------------------------------------------------- facts catalogue


_LAST_CATALOGUE: tuple[Declared, dict[str, FactType]] | None = None


def _catalogue_for(declared: Declared) -> dict[str, FactType]:
    """The catalogue of ``declared``, built once per pack validation (every condition asks)."""
    global _LAST_CATALOGUE
    last = _LAST_CATALOGUE
    if last is not None and last[0] is declared:
        return last[1]
    catalogue = build_catalogue(declared)
    _LAST_CATALOGUE = (declared, catalogue)
    return catalogue


def _context_declared(info: ValidationInfo) -> Declared | None:
    ctx = info.context
    if isinstance(ctx, Mapping):
        value = ctx.get("declared")
        if isinstance(value, Declared):
            return value
    return None


# --------------------------------------------------------------------------- conditions

_TEST_KEYS = ("is", "is_not", "in", "not_in", "any_of", "all_of", "none_of", "only", "gte", "gt", "lte", "lt")
_OPS_BY_KIND: dict[str, tuple[str, ...]] = {
    "bool": ("is", "is_not"),
    "int": ("is", "is_not", "in", "not_in", "gte", "gt", "lte", "lt"),
    "enum": ("is", "is_not", "in", "not_in"),
    "str": ("is", "is_not", "in", "not_in"),
    "number": ("is", "is_not", "in", "not_in", "gte", "gt", "lte", "lt"),
    "date": ("is", "is_not", "in", "not_in", "gte", "gt", "lte", "lt"),
    "datetime": ("is", "is_not", "in", "not_in", "gte", "gt", "lte", "lt"),
    "tags": ("any_of", "all_of", "none_of", "only"),
}


class Condition(StrictModel):
    """A declarative test over grievance facts.

    Either a combination (exactly one of ``all``, ``any``, ``none``, each a list of conditions)
    or a test of one fact: ``fact`` with exactly one operator (``is``, ``is_not``, ``in``,
    ``not_in`` for values; ``any_of``, ``all_of``, ``none_of``, ``only`` for tag lists; ``gte``, ``gt``,
    ``lte``, ``lt`` for counts).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    all: list[Condition] | None = Field(default=None, description="Every condition holds.")
    any: list[Condition] | None = Field(default=None, description="At least one condition holds.")
    none: list[Condition] | None = Field(default=None, description="No condition holds.")
    fact: str | None = Field(default=None, description="The fact to test (see docs/policy-format.md).")
    is_: Scalar | None = Field(default=None, alias="is", description="The fact equals this value.")
    is_not: Scalar | None = Field(default=None, description="The fact differs from this value.")
    in_: list[Scalar] | None = Field(default=None, alias="in", description="The fact is one of these.")
    not_in: list[Scalar] | None = Field(default=None, description="The fact is none of these.")
    any_of: list[str] | None = Field(default=None, description="The tag list holds at least one of these.")
    all_of: list[str] | None = Field(default=None, description="The tag list holds all of these.")
    none_of: list[str] | None = Field(default=None, description="The tag list holds none of these.")
    only: list[str] | None = Field(
        default=None,
        description="Every tag in the list is one of these (a tag declared later counts as another tag).",
    )
    gte: StrictInt | StrictFloat | StrictStr | None = Field(
        default=None, description="The count, number, date or date-time is at least this."
    )
    gt: StrictInt | StrictFloat | StrictStr | None = Field(
        default=None, description="The count, number, date or date-time is more than this."
    )
    lte: StrictInt | StrictFloat | StrictStr | None = Field(
        default=None, description="The count, number, date or date-time is at most this."
    )
    lt: StrictInt | StrictFloat | StrictStr | None = Field(
        default=None, description="The count, number, date or date-time is less than this."
    )

    def operator(self) -> str:
        """The one operator key this test uses (alias spelling)."""
        for key in _TEST_KEYS:
            attr = {"is": "is_", "in": "in_"}.get(key, key)
            if getattr(self, attr) is not None:
                return key
        raise AssertionError("validated condition has no operator")

    def operand(self) -> Any:
        """The value of this test's operator."""
        key = self.operator()
        return getattr(self, {"is": "is_", "in": "in_"}.get(key, key))

    @model_validator(mode="after")
    def _check_shape_and_types(self, info: ValidationInfo) -> Condition:
        combos = [k for k in ("all", "any", "none") if getattr(self, k) is not None]
        tests = [k for k in _TEST_KEYS if getattr(self, {"is": "is_", "in": "in_"}.get(k, k)) is not None]
        if combos:
            if len(combos) > 1 or self.fact is not None or tests:
                raise PydanticCustomError(
                    "condition_shape",
                    "a condition uses exactly one of all/any/none, or one fact test; found {found}. "
                    "Split it into a list under 'all:'",
                    {"found": ", ".join(combos + (["fact"] if self.fact else []) + tests)},
                )
            return self
        if self.fact is None:
            raise PydanticCustomError(
                "condition_shape",
                "a condition needs 'fact:' with one operator ({ops}), or one of all/any/none",
                {"ops": ", ".join(_TEST_KEYS)},
            )
        if len(tests) != 1:
            raise PydanticCustomError(
                "condition_shape",
                "a fact test takes exactly one operator; found {found}; allowed: {ops}",
                {"found": ", ".join(tests) or "none", "ops": ", ".join(_TEST_KEYS)},
            )
        declared = _context_declared(info)
        if declared is not None:
            check_fact_test(self.fact, tests[0], self.operand(), _catalogue_for(declared))
        return self


def check_fact_test(fact: str, op: str, operand: Any, catalogue: Mapping[str, FactType]) -> None:
    """Type-check one fact test against the catalogue; raise a pydantic error naming the fix.

    Each error's context carries ``at``: the key (and list index) below the condition where the
    mistake stands, so the loader can point at it.
    """
    ftype = catalogue.get(fact)
    if ftype is None:
        raise PydanticCustomError(
            "unknown_fact",
            "unknown fact '{found}'{hint}; rules may test: {allowed}",
            {
                "at": ("fact",),
                "found": fact,
                "hint": hint(fact, catalogue),
                "allowed": listing(
                    sorted(k for k in catalogue if not k.startswith("present.") and ".after." not in k)
                    + (["events.<type>.after.<type>"] if any(".after." in k for k in catalogue) else [])
                ),
            },
        )
    ops = _OPS_BY_KIND[ftype.kind]
    if op not in ops:
        raise PydanticCustomError(
            "bad_operator",
            "fact '{fact}' is {kind}; operator '{found}' does not apply; allowed: {allowed}",
            {"at": (op,), "fact": fact, "kind": ftype.kind, "found": op, "allowed": ", ".join(ops)},
        )
    values = operand if isinstance(operand, list) else [operand]
    for index, value in enumerate(values):
        at = (op, index) if isinstance(operand, list) else (op,)
        if ftype.kind == "bool" and not isinstance(value, bool):
            raise PydanticCustomError(
                "bad_value", "fact '{fact}' is true or false; found '{found}'", {"at": at, "fact": fact, "found": value}
            )
        if ftype.kind == "int" and (isinstance(value, bool) or not isinstance(value, int)):
            raise PydanticCustomError(
                "bad_value",
                "fact '{fact}' is a whole number; found '{found}'",
                {"at": at, "fact": fact, "found": value},
            )
        if ftype.kind in ("enum", "tags") and value not in ftype.values:
            raise PydanticCustomError(
                "bad_value",
                "'{found}' is not a declared value of '{fact}'{hint}; allowed: {allowed}",
                {
                    "at": at,
                    "found": value,
                    "fact": fact,
                    "hint": hint(str(value), ftype.values),
                    "allowed": listing(ftype.values) or "(none declared)",
                },
            )
        if ftype.kind == "str" and not isinstance(value, str):
            raise PydanticCustomError(
                "bad_value", "fact '{fact}' is text; found '{found}'", {"at": at, "fact": fact, "found": value}
            )
        if ftype.kind in ("number", "date", "datetime"):
            try:
                operand_value(ftype, value)
            except ValueError as exc:
                raise PydanticCustomError(
                    "bad_value",
                    "fact '{fact}' is {allowed}; found '{found}'",
                    {"at": at, "fact": fact, "allowed": str(exc), "found": value},
                ) from None


# --------------------------------------------------------------------------- calendar


class HolidaySource(StrictModel):
    """Holidays from the ``holidays`` package."""

    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2,3}$")] = Field(
        description="ISO 3166 country code, e.g. US."
    )
    subdivision: str | None = Field(default=None, description="State or province code, e.g. TX.")
    categories: list[Literal["public", "government", "unofficial", "half_day"]] = Field(
        default_factory=lambda: cast(Any, ["public"]), description="holidays categories to include."
    )
    observed: StrictBool = Field(default=True, description="Use observed dates (Sat -> Fri, Sun -> Mon).")
    remove: list[Annotated[dt.date | Text, Field(union_mode="left_to_right")]] = Field(
        default_factory=list,
        description="Holidays the package lists that the plan does not observe: a holiday's name as the "
        "package spells it (its '(observed)' day goes with it) or a date (YYYY-MM-DD).",
    )

    @model_validator(mode="after")
    def _known_to_holidays(self) -> HolidaySource:
        """The country (and subdivision) must be a code the ``holidays`` package has a calendar for.

        Its aliases (``USA`` or ``UK`` for a country, ``Texas`` for ``TX``) are refused with the code to
        write instead, so a pack names each calendar one way and reviewers read one spelling.
        """
        import holidays

        codes: dict[str, list[str]] = holidays.list_supported_countries(include_aliases=False)
        if self.country not in codes:
            canonical = _holiday_country_alias(self.country)
            two_letter = sorted(code for code in codes if len(code) == 2)
            raise PydanticCustomError(
                "unknown_country",
                "the holidays package has no calendar for country '{found}'{hint}; use an ISO 3166 code it "
                "supports: {allowed}",
                {
                    "at": ("country",),
                    "found": self.country,
                    "hint": f" (did you mean '{canonical}'?)" if canonical else hint(self.country, two_letter),
                    "allowed": ", ".join(two_letter),
                },
            )
        subdivisions = codes[self.country]
        if self.subdivision is not None and self.subdivision not in subdivisions:
            aliases: dict[str, str] = getattr(getattr(holidays, self.country), "subdivisions_aliases", {}) or {}
            folded = {name.casefold(): code for name, code in aliases.items()}
            canonical = folded.get(self.subdivision.casefold())
            if canonical is None and self.subdivision.upper() in subdivisions:
                canonical = self.subdivision.upper()
            raise PydanticCustomError(
                "unknown_subdivision",
                "the holidays package has no subdivision '{found}' of {country}{hint}; write its code; "
                "allowed: {allowed}",
                {
                    "at": ("subdivision",),
                    "found": self.subdivision,
                    "country": self.country,
                    "hint": f" (did you mean '{canonical}'?)"
                    if canonical
                    else _subdivision_hint(self.subdivision, subdivisions, aliases),
                    "allowed": ", ".join(subdivisions) or "(none: leave subdivision out)",
                },
            )
        offered: tuple[str, ...] = tuple(getattr(getattr(holidays, self.country), "supported_categories", ("public",)))
        for index, category in enumerate(self.categories):
            if category not in offered:
                raise PydanticCustomError(
                    "unknown_holiday_category",
                    "the holidays package has no '{found}' holidays for {country}; allowed: {allowed}",
                    {
                        "at": ("categories", index),
                        "found": category,
                        "country": self.country,
                        "allowed": ", ".join(offered),
                    },
                )
        if self.remove:
            self._check_removals()
        return self

    def _check_removals(self) -> None:
        """Every name or date under ``remove`` must be one the holidays package lists (no silent no-op)."""
        import holidays

        for index, item in enumerate(self.remove):
            year = item.year if isinstance(item, dt.date) else None
            years = [year] if year is not None else list(range(REMOVE_YEARS[0], REMOVE_YEARS[1] + 1))
            listed = holidays.country_holidays(
                self.country,
                subdiv=self.subdivision,
                observed=self.observed,
                categories=tuple(self.categories),
                years=years,
            )
            if isinstance(item, dt.date):
                if item not in listed:
                    raise PydanticCustomError(
                        "unknown_holiday",
                        "{found} is not a holiday of {where}; remove lists only dates the holidays package lists",
                        {"at": ("remove", index), "found": item.isoformat(), "where": self._where()},
                    )
                continue
            names = sorted(
                {n.removesuffix(OBSERVED_SUFFIX) for value in listed.values() for n in str(value).split("; ")}
            )
            if item not in names:
                raise PydanticCustomError(
                    "unknown_holiday",
                    "'{found}' is not a holiday name of {where}{hint}; names: {allowed}",
                    {
                        "at": ("remove", index),
                        "found": item[:100],
                        "where": self._where(),
                        "hint": hint(item, names),
                        "allowed": listing(names),
                    },
                )

    def _where(self) -> str:
        return self.country + (f"-{self.subdivision}" if self.subdivision else "")


#: Years searched for a holiday name under ``holidays.remove``.
REMOVE_YEARS = (2000, 2040)
#: The suffix the holidays package gives an observed day's name.
OBSERVED_SUFFIX = " (observed)"


class DeemedReceipt(StrictModel):
    """When a receipt counts as received on the next business day, for business-day counts.

    ``after_close``: a receipt after close of business on a business day; ``non_business_day``: a
    receipt on a weekend or holiday (a Saturday portal submission).
    """

    after_close: Literal["next_business_day", "none"] = "none"
    non_business_day: Literal["next_business_day", "none"] = "none"


def _holiday_country_alias(code: str) -> str | None:
    """The ISO code the holidays package uses for ``code`` when ``code`` is one of its aliases (USA -> US)."""
    import holidays

    if code not in holidays.list_supported_countries(include_aliases=True):
        return None
    cls = getattr(holidays, code, None)
    canonical = getattr(cls, "country", None)
    return canonical if isinstance(canonical, str) and canonical != code else None


def _subdivision_hint(found: str, codes: list[str], aliases: Mapping[str, str]) -> str:
    """ "Did you mean" over a country's subdivision codes and names, always suggesting a code."""
    import difflib

    match = difflib.get_close_matches(found[:100], [*codes, *aliases], n=1, cutoff=0.6)
    if not match:
        return ""
    name = match[0]
    return f" (did you mean '{aliases[name]}', {name}?)" if name in aliases else f" (did you mean '{name}'?)"


class ExtraHoliday(StrictModel):
    """A closure the holidays package does not know."""

    date: dt.date
    name: Text


_AREA_CITY = re.compile(
    r"^(?:Africa|America|Antarctica|Arctic|Asia|Atlantic|Australia|Europe|Indian|Pacific)/[A-Za-z0-9_+-]+(?:/[A-Za-z0-9_+-]+)?$"
)


class Calendar(StrictModel):
    """The plan's working calendar, used for business-day deadlines and close of business."""

    timezone: Text = Field(description="IANA timezone, e.g. America/Chicago.")
    workweek: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] = Field(
        default_factory=lambda: cast(Any, ["mon", "tue", "wed", "thu", "fri"]), min_length=1
    )
    holidays: HolidaySource | None = None
    extra_holidays: list[ExtraHoliday] = Field(default_factory=list)
    close_of_business: Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")] = Field(
        default="17:00", description="Local close of business, HH:MM (quote it in YAML)."
    )
    after_hours_receipt: Literal["same_day", "next_business_day"] = Field(
        default="same_day",
        description="Whether receipt after close of business or on a non-business day counts as "
        "receipt on the next business day for business-day deadlines.",
    )
    deemed_receipt: DeemedReceipt | None = Field(
        default=None,
        description="After-close and non-business-day receipt set apart (instead of after_hours_receipt).",
    )
    leap_day: Literal["feb_28", "mar_1"] | None = Field(
        default=None,
        description="The anniversary of a day a month or year lacks (29 February in a common year, the 31st "
        "in a 30-day month): the month's last day (feb_28) or the next month's first (mar_1). Required by "
        "deadlines in months or years.",
    )
    citation: Citation | None = None
    reading: str | None = None

    @model_validator(mode="after")
    def _one_receipt_setting(self) -> Calendar:
        if self.deemed_receipt is not None and "after_hours_receipt" in self.model_fields_set:
            raise PydanticCustomError(
                "receipt_settings",
                "give either after_hours_receipt or deemed_receipt, not both; deemed_receipt says "
                "after_close and non_business_day separately",
                {"at": ("after_hours_receipt",)},
            )
        return self

    def deems(self) -> tuple[bool, bool]:
        """(after close, non-business day): whether each receipt counts as the next business day's."""
        if self.deemed_receipt is not None:
            d = self.deemed_receipt
            return d.after_close == "next_business_day", d.non_business_day == "next_business_day"
        both = self.after_hours_receipt == "next_business_day"
        return both, both

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        import zoneinfo

        # only UTC or an Area/City name: 'localtime' (the machine's zone), 'posix/...' and legacy
        # names such as 'EST5EDT' are files in the zone database too, but not a plan's zone
        names = zoneinfo.available_timezones()
        if value != "UTC" and (value not in names or not _AREA_CITY.match(value)):
            choices = sorted(n for n in names if n == "UTC" or _AREA_CITY.match(n))
            raise PydanticCustomError(
                "unknown_timezone",
                "unknown timezone '{found}'{hint}; use UTC or an IANA Area/City name such as America/Chicago",
                {"found": value[:60], "hint": hint(value[:60], choices)},
            )
        return value


# --------------------------------------------------------------------------- vocabulary


class Vocabulary(StrictModel):
    """The words a pack's facts and rules use."""

    channels: list[Channel] = Field(
        default_factory=lambda: cast(Any, list(CHANNELS)), description="Channels the plan accepts grievances by."
    )
    types: dict[Identifier, Text] = Field(default_factory=dict, description="Grievance types: id -> description.")
    concerns: dict[Identifier, Text] = Field(
        default_factory=dict, description="Concern tags: tag -> description (none for a subject pack)."
    )
    events: dict[Identifier, Text] = Field(default_factory=dict, description="Event types: id -> description.")
    assistance: dict[Identifier, Text] = Field(default_factory=dict, description="Assistance needs: id -> description.")
    roles: dict[Identifier, Text] = Field(default_factory=dict, description="Responsible roles: id -> description.")
    schedule: dict[Identifier, Text] = Field(
        default_factory=dict,
        description="Types of planned future moments the facts may carry under 'schedule' (e.g. a panel "
        "meeting): id -> description. Deadlines count back from them with before: schedule:<type>.",
    )
    handlers: dict[Identifier, Text] = Field(
        default_factory=dict,
        description="Who else may handle a grievance besides 'plan' and 'health_plan' (handled_by values, "
        "delegation targets): id -> description.",
    )
    recorded_only: list[Identifier] = Field(
        default_factory=list,
        description="Declared names no rule tests on purpose (facts may carry them for the record); "
        "the unused-vocabulary warning (GR501) skips them.",
    )

    @model_validator(mode="after")
    def _recorded_only_declared(self) -> Vocabulary:
        names = [
            n
            for v in (self.types, self.concerns, self.events, self.assistance, self.roles, self.handlers, self.schedule)
            for n in v
        ]
        for index, name in enumerate(self.recorded_only):
            if name not in names:
                raise PydanticCustomError(
                    "unknown_recorded",
                    "recorded_only names '{found}', which is not declared in this vocabulary{hint}; "
                    "list declared names only",
                    {"at": ("recorded_only", index), "found": name, "hint": hint(name, names)},
                )
        return self


# --------------------------------------------------------------------------- rules


class RuleBase(StrictModel):
    """What every rule carries: an id, an optional condition, its source and the reading chosen."""

    id: Identifier = Field(description="Unique within the pack; the rule's name is '<pack id>.<id>'.")
    description: str | None = Field(default=None, description="The rule in plain words.")
    when: Condition | None = Field(default=None, description="When the rule applies (always if absent).")
    citation: Citation
    reading: str | None = Field(default=None, description="The reading chosen where the source is ambiguous.")


class ChoiceRule(RuleBase):
    """One branch of a first-match choice."""

    value: Value


class ChoiceDefault(StrictModel):
    """The value when no branch matches; it is a rule of its own, named by ``id``."""

    id: Identifier
    value: Value
    description: str | None = None
    citation: Citation
    reading: str | None = None


class Choice(StrictModel):
    """A decision with one outcome: the first rule (in file order) whose condition holds wins."""

    values: list[Value] = Field(min_length=1, description="Every value this decision can take.")
    rules: list[ChoiceRule] = Field(default_factory=list)
    default: ChoiceDefault | None = None

    @model_validator(mode="after")
    def _values_declared(self) -> Choice:
        for rule in self.rules:
            if rule.value not in self.values:
                raise PydanticCustomError(
                    "undeclared_value",
                    "rule '{rule}' gives '{found}', which is not in 'values'{hint}; allowed: {allowed}",
                    {
                        "at": ("rules", self.rules.index(rule), "value"),
                        "rule": rule.id,
                        "found": rule.value,
                        "hint": hint(rule.value, self.values),
                        "allowed": listing(self.values),
                    },
                )
        if self.default is not None and self.default.value not in self.values:
            raise PydanticCustomError(
                "undeclared_value",
                "default '{found}' is not in 'values'; allowed: {allowed}",
                {"found": self.default.value, "allowed": listing(self.values)},
            )
        return self


ANCHOR_RE = re.compile(r"^(receipt|event:[a-z][a-z0-9_]*|action:[a-z][a-z0-9_]*)$")
Anchor = Annotated[str, StringConstraints(pattern=ANCHOR_RE.pattern)]


@dataclass(frozen=True)
class AnchorRef:
    """What a deadline runs from, parsed once from its text (``receipt``, ``event:x``, ``action:y``).

    Every reader of an anchor (the calendar arithmetic, the docs, the diff, the explanation, the
    loader's cycle check) uses this value instead of splitting the string itself.
    """

    kind: Literal["receipt", "event", "action"]
    name: str = ""

    @classmethod
    def parse(cls, text: str) -> AnchorRef:
        """The anchor written as ``text``; ValueError when it is not one."""
        if not ANCHOR_RE.match(text):
            raise ValueError(f"not an anchor: {text[:60]!r}")
        kind, _, name = text.partition(":")
        return cls(cast(Literal["receipt", "event", "action"], kind), name)

    def __str__(self) -> str:
        return self.kind if self.kind == "receipt" else f"{self.kind}:{self.name}"


SCHEDULE_RE = re.compile(r"^schedule:[a-z][a-z0-9_]*$")
ScheduleRef = Annotated[str, StringConstraints(pattern=SCHEDULE_RE.pattern)]
Unit = Literal[
    "calendar_days", "business_days", "months", "years", "hours", "close_of_next_business_day", "immediately"
]
#: Units counted in whole days (a due day, due at its end): the ones ``roll`` applies to.
DAY_UNITS: tuple[str, ...] = ("calendar_days", "business_days", "months", "years")
#: Units a deadline may count back from a scheduled moment (``before``).
BEFORE_UNITS: tuple[str, ...] = ("calendar_days", "business_days")
#: Largest amount per unit: ten years of calendar days (or hours, months, years), a year of business
#: days (even a one-day workweek then stays within the calendar's ten-year search), so that no
#: validated pack can push a deadline beyond what the calendar computes (docs/policy-format.md, "Limits").
MAX_AMOUNT: dict[str, int] = {
    "calendar_days": 3660,
    "hours": 3660 * 24,
    "business_days": 250,
    "months": 120,
    "years": 10,
}


class Deadline(StrictModel):
    """When something is due: an amount of a unit after an anchor, or before a scheduled moment.

    ``from`` is ``receipt``, ``event:<type>`` (the event's time when it happened) or
    ``action:<id>`` (the time that action was done, else its due moment), or a list of these:
    the first one available is used. ``before: schedule:<type>`` counts back instead, from the
    date of a planned moment the facts carry under ``schedule``. ``roll: next_business_day``
    moves a day-based due date that falls on a weekend or holiday to the next business day.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    amount: StrictInt | None = Field(
        default=None,
        ge=0,
        le=MAX_AMOUNT["hours"],
        description="At most 3660 calendar days, 87840 hours, 250 business days, 120 months, 10 years.",
    )
    unit: Unit
    from_: Anchor | list[Anchor] = Field(default="receipt", alias="from")
    before: ScheduleRef | None = Field(
        default=None,
        description="Count back from a planned moment of the facts' schedule ('schedule:<type>') instead "
        "of forward from 'from'; calendar_days or business_days.",
    )
    roll: Literal["none", "next_business_day"] = Field(
        default="none",
        description="next_business_day: a day-based due date on a weekend or holiday moves to the next "
        "business day (e.g. Texas Gov't Code 311.014(b)).",
    )

    @property
    def anchors(self) -> tuple[str, ...]:
        """The anchors in order of preference, as written."""
        return (self.from_,) if isinstance(self.from_, str) else tuple(self.from_)

    @property
    def schedule_type(self) -> str | None:
        """The schedule type a count-back runs from, or None."""
        return None if self.before is None else self.before.partition(":")[2]

    @cached_property
    def refs(self) -> tuple[AnchorRef, ...]:
        """The anchors in order of preference, parsed (once per deadline)."""
        return tuple(AnchorRef.parse(a) for a in self.anchors)

    @model_validator(mode="after")
    def _amount_fits_unit(self, info: ValidationInfo) -> Deadline:
        needs = self.unit in (*DAY_UNITS, "hours")
        if needs and self.amount is None:
            raise PydanticCustomError("amount_missing", "unit '{unit}' needs an 'amount'", {"unit": self.unit})
        if not needs and self.amount is not None:
            raise PydanticCustomError(
                "amount_unused", "unit '{unit}' takes no 'amount'; remove it", {"unit": self.unit}
            )
        if self.amount is not None and self.amount > MAX_AMOUNT[self.unit]:
            raise PydanticCustomError(
                "amount_too_large",
                "{amount} {unit} is beyond what a deadline may be; at most {limit} {unit}",
                {"at": ("amount",), "amount": self.amount, "unit": self.unit, "limit": MAX_AMOUNT[self.unit]},
            )
        if self.roll != "none" and self.unit not in DAY_UNITS:
            raise PydanticCustomError(
                "roll_unit",
                "roll applies to deadlines counted in days, months or years ({allowed}); unit '{unit}' has a "
                "due moment, not a due day: remove roll",
                {"at": ("roll",), "unit": self.unit, "allowed": ", ".join(DAY_UNITS)},
            )
        if self.before is not None:
            if "from_" in self.model_fields_set:
                raise PydanticCustomError(
                    "before_and_from",
                    "a deadline counts either forward from 'from' or back from 'before', not both; remove one",
                    {"at": ("before",)},
                )
            if self.unit not in BEFORE_UNITS:
                raise PydanticCustomError(
                    "before_unit",
                    "a count back from a scheduled moment is in {allowed}; found unit '{unit}'",
                    {"at": ("unit",), "unit": self.unit, "allowed": " or ".join(BEFORE_UNITS)},
                )
            if self.roll != "none":
                raise PydanticCustomError(
                    "before_roll",
                    "a count back does not roll forward (it would pass the latest day allowed); remove roll",
                    {"at": ("roll",)},
                )
        declared = _context_declared(info)
        if declared is not None:
            if self.schedule_type is not None and self.schedule_type not in declared.schedule:
                raise PydanticCustomError(
                    "unknown_schedule",
                    "before names undeclared schedule type '{found}'{hint}; declare it under "
                    "vocabulary.schedule; declared: {allowed}",
                    {
                        "at": ("before",),
                        "found": self.schedule_type,
                        "hint": hint(self.schedule_type, declared.schedule),
                        "allowed": listing(declared.schedule) or "(none)",
                    },
                )
            for index, ref in enumerate(self.refs):
                anchor, kind, name = str(ref), ref.kind, ref.name
                pool = {"event": declared.events + ("resolved",), "action": declared.actions}.get(kind)
                if pool is not None and name not in pool:
                    raise PydanticCustomError(
                        "unknown_anchor",
                        "anchor '{found}' names an undeclared {kind}{hint}; declared: {allowed}",
                        {
                            "at": ("from",) if isinstance(self.from_, str) else ("from", index),
                            "found": anchor,
                            "kind": kind,
                            "hint": hint(name, pool),
                            "allowed": listing(pool) or "(none)",
                        },
                    )
        return self


class ActionRule(RuleBase):
    """A required action: fires when its condition holds, due per its deadline."""

    code: Identifier = Field(description="Action code (contract section 5 codes keep their meaning).")
    title: Text
    responsible: Identifier | None = Field(default=None, description="A role declared in vocabulary.roles.")
    deadline: Deadline | None = None
    target: Deadline | None = Field(default=None, description="An earlier goal inside the deadline.")
    done_by: list[Identifier] = Field(
        default_factory=list, description="Event types (or 'resolved') that complete this action."
    )
    details: list[str] = Field(default_factory=list, description="What the action must contain or do.")
    keep_until: StrictBool = Field(
        default=False,
        description="The deadline is a keep-until date (records retained until then): shown, never overdue.",
    )

    @model_validator(mode="after")
    def _refs_declared(self, info: ValidationInfo) -> ActionRule:
        if self.keep_until and self.deadline is None:
            raise PydanticCustomError(
                "keep_until_deadline",
                "keep_until needs a 'deadline' (the date to keep until, e.g. amount: 3, unit: years)",
                {"at": ("keep_until",)},
            )
        declared = _context_declared(info)
        if declared is None:
            return self
        if self.responsible is not None and self.responsible not in declared.roles:
            raise PydanticCustomError(
                "unknown_role",
                "responsible names undeclared role '{found}'{hint}; declare it under vocabulary.roles "
                "or use one of: {allowed}",
                {
                    "at": ("responsible",),
                    "found": self.responsible,
                    "hint": hint(self.responsible, declared.roles),
                    "allowed": listing(declared.roles) or "(none)",
                },
            )
        events = declared.events + ("resolved",)
        for index, ev in enumerate(self.done_by):
            if ev not in events:
                raise PydanticCustomError(
                    "unknown_event",
                    "done_by names undeclared event '{found}'{hint}; declared: {allowed}",
                    {
                        "at": ("done_by", index),
                        "found": ev,
                        "hint": hint(ev, events),
                        "allowed": listing(events),
                    },
                )
        return self


class WarningRule(RuleBase):
    """A warning added to the Determination when its condition holds."""

    message: Text


class RecordRequirement(StrictModel):
    """Fields a grievance record must hold; each missing one is a warning."""

    id: Identifier
    description: str | None = None
    when: Condition | None = None
    fields: dict[Literal[RECORD_FIELDS], Text] = Field(  # type: ignore[valid-type]
        description="Fact field -> what the document calls it."
    )
    citation: Citation
    reading: str | None = None


class Timer(StrictModel):
    """A derived fact: did an event happen within a deadline? Its value is met, missed or open."""

    id: Identifier
    description: str | None = None
    event: Identifier = Field(description="The event that stops the timer ('resolved' for resolution).")
    within: Deadline
    citation: Citation
    reading: str | None = None

    @field_validator("within")
    @classmethod
    def _anchored_on_receipt_or_event(cls, value: Deadline) -> Deadline:
        for index, ref in enumerate(value.refs):
            anchor = str(ref)
            if ref.kind == "action":
                raise PydanticCustomError(
                    "timer_anchor",
                    "a timer runs from receipt or an event, not from an action ('{found}'); use event:<type>",
                    {"at": ("from",) if isinstance(value.from_, str) else ("from", index), "found": anchor},
                )
        return value

    @field_validator("event")
    @classmethod
    def _event_declared(cls, value: str, info: ValidationInfo) -> str:
        declared = _context_declared(info)
        if declared is not None and value not in declared.events + ("resolved",):
            pool = declared.events + ("resolved",)
            raise PydanticCustomError(
                "unknown_event",
                "timer names undeclared event '{found}'{hint}; declared: {allowed}",
                {"found": value, "hint": hint(value, pool), "allowed": listing(pool)},
            )
        return value


class DelegationRow(StrictModel):
    """One row of a delegation matrix."""

    group: Text
    delegated: StrictBool
    verbal_grievances: StrictBool
    written_channels: list[Channel] = Field(default_factory=list)
    form: Literal["plan", "health_plan", "none"] = Field(description="Whose grievance form is sent.")
    to: Identifier | None = Field(
        default=None,
        description="direction by_plan: the handler (vocabulary.handlers) the plan delegates this group's "
        "grievances to when 'delegated' is true.",
    )
    citation: Citation | None = None
    reading: str | None = None


class DelegationDefault(StrictModel):
    """The row used for a group not in the matrix."""

    delegated: StrictBool
    verbal_grievances: StrictBool
    written_channels: list[Channel] = Field(default_factory=list)
    form: Literal["plan", "health_plan", "none"]
    to: Identifier | None = Field(default=None, description="As in a row (direction by_plan).")
    warning: Text = Field(description="Warning added when a group falls to this row.")
    citation: Citation | None = None
    reading: str | None = None


class Delegation(StrictModel):
    """Who handles a grievance, by the member's group.

    ``direction: to_plan`` (the default) reads the matrix as the health plan delegating grievance
    handling to this plan: a delegated group is handled by ``plan``, any other by ``health_plan``.
    ``direction: by_plan`` reads it the other way round, as when a plan delegates to a dental
    benefit manager (Tex. Ins. Code §1272.063): a delegated group is handled by the row's ``to``
    (a declared handler), any other by ``plan``. The fact ``delegation.handler`` gives the result.
    """

    direction: Literal["to_plan", "by_plan"] = Field(
        default="to_plan", description="to_plan: the health plan delegates to this plan; by_plan: this plan delegates."
    )
    citation: Citation
    reading: str | None = None
    rows: list[DelegationRow] = Field(min_length=1)
    default: DelegationDefault

    @model_validator(mode="after")
    def _targets_fit_direction(self, info: ValidationInfo) -> Delegation:
        declared = _context_declared(info)
        handlers = declared.handlers if declared is not None else None
        places: list[tuple[tuple[str | int, ...], DelegationRow | DelegationDefault]] = [
            (("rows", i), r) for i, r in enumerate(self.rows)
        ]
        places.append((("default",), self.default))
        for path, row in places:
            if self.direction == "to_plan" and row.to is not None:
                raise PydanticCustomError(
                    "delegation_to",
                    "'to' names who this plan delegates to, which needs 'direction: by_plan'; remove it or set "
                    "the direction",
                    {"at": (*path, "to")},
                )
            if self.direction == "by_plan" and row.delegated and row.to is None:
                raise PydanticCustomError(
                    "delegation_to",
                    "a delegated row of a by_plan matrix names the handler it delegates to under 'to'",
                    {"at": path},
                )
            if handlers is not None and row.to is not None and row.to not in handlers:
                raise PydanticCustomError(
                    "unknown_handler",
                    "'to' names undeclared handler '{found}'{hint}; declare it under vocabulary.handlers; "
                    "declared: {allowed}",
                    {
                        "at": (*path, "to"),
                        "found": row.to,
                        "hint": hint(row.to, handlers),
                        "allowed": listing(handlers) or "(none)",
                    },
                )
        return self


class FilingWindow(StrictModel):
    """How long after the incident a grievance may be filed."""

    amount: StrictInt = Field(ge=1, le=MAX_AMOUNT["calendar_days"], description="At most 3660 days.")
    unit: Literal["calendar_days"] = "calendar_days"
    citation: Citation
    reading: str | None = None


class Retention(StrictModel):
    """How long records are kept."""

    years: StrictInt = Field(ge=1)
    what: Text
    citation: Citation


class Extension(StrictModel):
    """A declared extension of deadlines, taken when an event happens (e.g. +14 calendar days).

    When an ``event`` event is in the facts, the deadline of each action in ``extends`` moves by
    ``amount`` ``unit`` from its own due date (before any roll), and the basis says so. ``notice``
    names the action (a written notice of the extension) the extension requires.
    """

    id: Identifier
    description: str | None = None
    event: Identifier = Field(description="The event type that means the extension was taken.")
    amount: StrictInt = Field(ge=1, le=MAX_AMOUNT["business_days"], description="At most 250.")
    unit: Literal["calendar_days", "business_days"]
    extends: list[Identifier] = Field(min_length=1, description="Ids of the actions whose deadlines it extends.")
    notice: Identifier | None = Field(default=None, description="Id of the notice action the extension requires.")
    citation: Citation
    reading: str | None = None

    @model_validator(mode="after")
    def _refs_declared(self, info: ValidationInfo) -> Extension:
        declared = _context_declared(info)
        if declared is None:
            return self
        if self.event not in declared.events:
            raise PydanticCustomError(
                "unknown_event",
                "extension event '{found}' is not declared{hint}; declare it under vocabulary.events; "
                "declared: {allowed}",
                {
                    "at": ("event",),
                    "found": self.event,
                    "hint": hint(self.event, declared.events),
                    "allowed": listing(declared.events) or "(none)",
                },
            )
        refs: list[tuple[tuple[str | int, ...], str]] = [(("extends", i), name) for i, name in enumerate(self.extends)]
        refs += [(("notice",), self.notice)] if self.notice is not None else []
        for at, name in refs:
            if name not in declared.actions:
                raise PydanticCustomError(
                    "unknown_action",
                    "extension names undeclared action '{found}'{hint}; action ids: {allowed}",
                    {
                        "at": at,
                        "found": name,
                        "hint": hint(name, declared.actions),
                        "allowed": listing(declared.actions) or "(none)",
                    },
                )
        return self


class Window(StrictModel):
    """A span of calendar days between the first and the last grievance of a pattern."""

    amount: StrictInt = Field(ge=0, le=MAX_AMOUNT["calendar_days"], description="At most 3660 days.")
    unit: Literal["calendar_days"] = "calendar_days"


class Pattern(StrictModel):
    """A pattern across grievances, matched in a case book (many grievances in one engine session).

    A grievance for which ``when`` holds *counts*; when ``count`` counting grievances share the
    values of ``same`` and were received within ``within`` of each other, the last of them
    *completes* the pattern: it is evaluated again with ``patterns.<id>`` true, so the pack's own
    rules say what follows (e.g. a level rule escalating it).
    """

    id: Identifier
    description: str | None = None
    when: Condition | None = None
    same: list[Literal[RECORD_FIELDS]] = Field(min_length=1)  # type: ignore[valid-type]
    count: StrictInt = Field(ge=2, le=10)
    within: Window
    citation: Citation
    reading: str | None = None


FactTypeName = Literal["boolean", "integer", "number", "string", "date", "date-time", "enum", "tag-list"]
#: A declared fact's type name (as a pack writes it) -> the registry's kind.
FACT_KINDS: dict[str, str] = {
    "boolean": "bool",
    "integer": "int",
    "number": "number",
    "string": "str",
    "date": "date",
    "date-time": "datetime",
    "enum": "enum",
    "tag-list": "tags",
}


class FactDeclaration(StrictModel):
    """A fact the pack adds to the grievance facts (given under ``facts:`` in the input).

    Rules test it as ``facts.<name>``; the input is checked against this declaration like the
    built-in fields. A boolean is false and a tag list empty when not given; any other fact is
    required unless it has a ``default``.
    """

    type: FactTypeName
    description: Text = Field(description="What the fact means, in plain words.")
    values: list[Value] | None = Field(default=None, description="An enum's values (enum only).")
    vocabulary: dict[Identifier, Text] | None = Field(
        default=None, description="A tag list's tags: tag -> description (tag-list only)."
    )
    default: Scalar | list[StrictStr] | None = Field(default=None, description="The value when the input omits it.")
    citation: Citation | None = None
    reading: str | None = None

    def fact_type(self) -> FactType:
        """The registry type of this fact."""
        values = tuple(self.values or ()) + tuple(self.vocabulary or ())
        return FactType(cast(Any, FACT_KINDS[self.type]), values, self.description)

    @model_validator(mode="after")
    def _shape_fits_type(self) -> FactDeclaration:
        for key, kind, article, example in (
            ("values", "enum", "an", "[routine, expedited]"),
            ("vocabulary", "tag-list", "a", "{crown: A crown}"),
        ):
            given = getattr(self, key) is not None
            if self.type == kind and not getattr(self, key):
                raise PydanticCustomError(
                    "fact_" + key,
                    "{article} {kind} fact declares what it allows under '{key}', e.g. {key}: {example}",
                    {
                        "at": (key,) if given else ("type",),
                        "article": article,
                        "kind": kind,
                        "key": key,
                        "example": example,
                    },
                )
            if self.type != kind and given:
                raise PydanticCustomError(
                    "fact_" + key,
                    "only {article} {kind} fact has '{key}'; this fact is a {type}: remove '{key}' or use type: {kind}",
                    {"at": (key,), "article": article, "kind": kind, "key": key, "type": self.type},
                )
        if self.default is not None:
            try:
                coerce_fact(self.fact_type(), self.default)
            except ValueError as exc:
                raise PydanticCustomError(
                    "bad_default",
                    "default does not fit the fact's type; allowed: {allowed}",
                    {"at": ("default",), "allowed": str(exc)},
                ) from None
        return self


class FlagRule(RuleBase):
    """A named true/false the pack decides (``flags.<id>`` in the Determination), e.g. deemed exhausted."""


# --------------------------------------------------------------------------- subjects (contract section 9)

#: The types a subject's facts may have (the names of the declared-facts format).
SUBJECT_FACT_TYPES: tuple[str, ...] = (
    "boolean",
    "integer",
    "number",
    "string",
    "date",
    "date-time",
    "month",
    "quarter",
    "enum",
    "tags",
)
SubjectFactType = Literal[
    "boolean", "integer", "number", "string", "date", "date-time", "month", "quarter", "enum", "tags"
]
#: How a rule sees each fact type (dates and date-times are not tested by conditions; months and
#: quarters are tested as their text, e.g. ``2011-12`` or ``2011Q4``).
_KIND_OF_TYPE: dict[str, Literal["bool", "int", "enum", "str", "tags", "number"] | None] = {
    "boolean": "bool",
    "integer": "int",
    "number": "number",
    "string": "str",
    "date": None,
    "date-time": None,
    "month": "str",
    "quarter": "str",
    "enum": "enum",
    "tags": "tags",
}


class SubjectFact(StrictModel):
    """One typed fact a subject's records carry (a CSV column, a JSON field)."""

    type: SubjectFactType = Field(
        description="boolean, integer, number, string, date, date-time, month, quarter, enum or tags."
    )
    description: Text
    values: list[Value] | None = Field(default=None, description="The allowed values of an enum or a tag list.")
    min: StrictInt | StrictFloat | None = Field(default=None, description="Smallest allowed value (integer, number).")
    max: StrictInt | StrictFloat | None = Field(default=None, description="Largest allowed value (integer, number).")
    required: StrictBool = Field(default=True, description="Every record gives it (default true).")

    @model_validator(mode="after")
    def _values_fit_type(self) -> SubjectFact:
        if self.type in ("enum", "tags") and not self.values:
            raise PydanticCustomError("fact_values", "an {type} fact lists its 'values'", {"type": self.type})
        if self.type not in ("enum", "tags") and self.values is not None:
            raise PydanticCustomError(
                "fact_values", "'values' is for enum and tags facts; this fact is {type}", {"type": self.type}
            )
        if (self.min is not None or self.max is not None) and self.type not in ("integer", "number"):
            raise PydanticCustomError(
                "fact_bounds", "'min'/'max' are for integer and number facts; this fact is {type}", {"type": self.type}
            )
        return self


class Ratio(StrictModel):
    """A computed number: ``numerator / denominator × times``, exact (a fraction, never rounded).

    It has no value when the denominator is 0; every comparison of it is then false, so a rule
    for that case (say ``enrollment is 0``) must come first.
    """

    numerator: Identifier = Field(description="An integer or number fact.")
    denominator: Identifier = Field(description="An integer or number fact.")
    times: StrictInt = Field(default=1, ge=1, description="A scale, e.g. 100 for a percentage.")
    description: Text


class Run(StrictModel):
    """Consecutive records of one key that meet ``when``, counted by the library.

    Records of one ``key`` (e.g. the office) are put in the order of ``order`` (a month or
    quarter fact); ``runs.<id>`` is the number of consecutive periods ending with this record
    for which ``when`` holds (0 when it does not hold). A record that does not meet ``when``, or a
    missing period between two records, starts the count again. Evaluated alone, a record's run
    is 1 or 0; a :class:`CaseBook` counts it from the key's records given together.
    """

    id: Identifier
    description: Text
    when: Condition
    key: Identifier = Field(description="The fact that says whose records belong together, e.g. office.")
    order: Identifier = Field(description="A month or quarter fact that orders the records.")
    citation: Citation
    reading: str | None = None


class PrintedColumn(StrictModel):
    """A column of rounded values the document prints, to compare with the exact figures."""

    values: dict[str, str] = Field(description="The printed value per key, e.g. 'Cross Dental': '5%'.")
    citation: Citation
    reading: str | None = None


class Aggregate(StrictModel):
    """An exact ratio over each key's records given together (e.g. the quarter of three months)."""

    title: Text
    numerator: Identifier = Field(description="An integer or number fact, summed over the key's records.")
    denominator: Identifier = Field(description="An integer or number fact, summed over the key's records.")
    times: StrictInt = Field(default=1, ge=1, description="A scale, e.g. 100 for a percentage.")
    below: StrictInt | StrictFloat = Field(description="The threshold: a ratio under it is flagged.")
    printed: PrintedColumn | None = Field(default=None, description="The document's own rounded figures.")


class SubjectReport(StrictModel):
    """A report over a subject's records: each key's outcome per period, and who gets actions."""

    name: Identifier
    title: Text
    description: str | None = None
    key: Identifier = Field(description="The fact that names a row, e.g. office.")
    period: Identifier | None = Field(default=None, description="A month or quarter fact: one column per period.")
    show: Literal["classification", "level"] = Field(
        default="classification", description="The outcome shown per cell."
    )
    aggregate: Aggregate | None = None
    citation: Citation


class Subject(StrictModel):
    """What a pack's records are about when it is not a grievance (contract section 9)."""

    name: Identifier = Field(description="The subject, e.g. office_month; a Determination's 'subject'.")
    id_field: Identifier = Field(default="id", description="The string fact that identifies a record.")
    received_field: Identifier | None = Field(
        default=None,
        description="A date-time fact that is the record's receipt: deadlines run from it ('receipt').",
    )
    facts: dict[Identifier, SubjectFact] = Field(description="The facts a record carries, by name.")
    computed: dict[Identifier, Ratio] = Field(default_factory=dict, description="Exact ratios of two facts.")
    runs: list[Run] = Field(default_factory=list, description="Consecutive periods meeting a condition.")
    reports: list[SubjectReport] = Field(default_factory=list, description="Reports over the subject's records.")

    @model_validator(mode="after")
    def _fields_declared(self) -> Subject:
        def need(name: str, types: tuple[str, ...], at: tuple[str | int, ...]) -> None:
            found = self.facts.get(name)
            if found is None or found.type not in types:
                raise PydanticCustomError(
                    "subject_field",
                    "'{found}' must be a declared fact of type {types}{hint}",
                    {"at": at, "found": name, "types": " or ".join(types), "hint": hint(name, self.facts)},
                )

        need(self.id_field, ("string",), ("id_field",))
        if self.received_field is not None:
            need(self.received_field, ("date-time",), ("received_field",))
        for name, ratio in self.computed.items():
            if name in self.facts:
                raise PydanticCustomError(
                    "subject_field", "computed fact '{found}' has the name of a declared fact", {"found": name}
                )
            need(ratio.numerator, ("integer", "number"), ("computed", name, "numerator"))
            need(ratio.denominator, ("integer", "number"), ("computed", name, "denominator"))
        for i, run in enumerate(self.runs):
            need(run.key, ("string", "enum"), ("runs", i, "key"))
            need(run.order, ("month", "quarter"), ("runs", i, "order"))
        for i, rep in enumerate(self.reports):
            need(rep.key, ("string", "enum"), ("reports", i, "key"))
            if rep.period is not None:
                need(rep.period, ("month", "quarter"), ("reports", i, "period"))
            if rep.aggregate is not None:
                need(rep.aggregate.numerator, ("integer", "number"), ("reports", i, "aggregate", "numerator"))
                need(rep.aggregate.denominator, ("integer", "number"), ("reports", i, "aggregate", "denominator"))
        return self

    def catalogue(self) -> dict[str, FactType]:
        """The facts a condition of this subject's pack may test."""
        return subject_catalogue(
            {n: (f.type, tuple(f.values or ()), f.description) for n, f in self.facts.items()},
            {n: r.description for n, r in self.computed.items()},
            {r.id: r.description for r in self.runs},
        )


def subject_catalogue(
    facts: Mapping[str, tuple[str, tuple[str, ...], str]], computed: Mapping[str, str], runs: Mapping[str, str]
) -> dict[str, FactType]:
    """Catalogue entries for declared facts ``(type, values, description)``, ratios and runs."""
    cat: dict[str, FactType] = {}
    for name, (ftype, values, description) in facts.items():
        kind = _KIND_OF_TYPE.get(ftype)
        if kind is not None:
            cat[name] = FactType(kind, values, description)
    for name, description in computed.items():
        cat[name] = FactType("number", (), description)
    for name, description in runs.items():
        cat[f"runs.{name}"] = FactType("int", (), description)
    return cat


# --------------------------------------------------------------------------- reports

#: What a report may count by. ``concern`` counts a grievance once under each of its concern tags.
ReportDimension = Literal["type", "level", "classification", "concern", "channel", "group", "handled_by", "complainant"]
#: Fields a log-style report may list, one row per grievance. Narratives and party data (names,
#: member ids, addresses) are deliberately not among them: a report never carries personal data.
ReportLogField = Literal[
    "id",
    "received_at",
    "received_date",
    "channel",
    "complainant",
    "group",
    "type",
    "level",
    "classification",
    "handled_by",
    "concerns",
    "resolved_at",
    "days_to_resolution",
]
#: The same words as tuples (one list each, so the two cannot drift apart).
REPORT_DIMENSIONS: tuple[str, ...] = get_args(ReportDimension)
REPORT_LOG_FIELDS: tuple[str, ...] = get_args(ReportLogField)


class ReportMeasures(StrictModel):
    """What a report measures besides the count of grievances (always given, in total and per dimension)."""

    count: Literal[True] = Field(default=True, description="The count of grievances received (always on).")
    rate_per_1000_member_months: StrictBool = Field(
        default=False, description="total / member months x 1000; member months are given at run time."
    )
    timeliness: Literal["all"] | list[Identifier] | None = Field(
        default=None,
        description="Per action code: on_time / late / overdue / pending. 'all' = every code with a deadline.",
    )
    open_after_days: StrictInt | None = Field(
        default=None, ge=0, description="Count grievances still open at the end of the period after N days."
    )
    median_days_to_resolution: StrictBool = Field(
        default=False, description="Median of (resolution - receipt) in days over the grievances resolved."
    )


class PrintedRate(StrictModel):
    """A rate the plan's document prints for a period; the report checks it against its own inputs."""

    period: Text = Field(description="The period the document's figure is for, e.g. 2014Q4.")
    value: Annotated[str, StringConstraints(pattern=r"^[0-9]+(\.[0-9]+)?$")] = Field(
        description="The figure exactly as printed (quote it in YAML), e.g. '0.00467'."
    )
    citation: Citation

    @field_validator("period")
    @classmethod
    def _period_readable(cls, value: str) -> str:
        from grievance_rules.period import PeriodError, parse_period

        try:
            parse_period(value)
        except PeriodError as exc:
            raise PydanticCustomError("bad_period", "{why}", {"why": str(exc)}) from None
        return value


class ReportSpec(StrictModel):
    """A report the plan's document requires: what it covers, counts and measures, and where it comes from."""

    name: Identifier = Field(description="The report's name, e.g. quarterly (policy.report(name, ...)).")
    title: Text
    description: str | None = None
    period: Literal["quarter", "month", "day", "any"] = Field(
        description="The kind of period the report covers; 'any' accepts a quarter, month, day or range."
    )
    where: dict[ReportDimension, list[Value]] = Field(
        default_factory=dict, description="Only grievances with one of these values are counted."
    )
    dimensions: list[ReportDimension] = Field(
        default_factory=list, description="What the report counts by; every declared value is listed, even at 0."
    )
    measures: ReportMeasures = Field(default_factory=ReportMeasures)
    fields: list[ReportLogField] = Field(
        default_factory=list, description="For a log-style report: the fields listed, one row per grievance."
    )
    withheld: list[Text] = Field(
        default_factory=list,
        description="Items the document lists that the report leaves out because they are personal data.",
    )
    printed_rates: list[PrintedRate] = Field(
        default_factory=list, description="Rates the document prints, checked against the report's own."
    )
    citation: Citation
    reading: str | None = Field(default=None, description="The reading chosen where the document is vague.")


class Effective(StrictModel):
    """The receipt dates a pack version is in force for: ``from`` through ``until``, both inclusive.

    Dates are local receipt dates in the pack's timezone. ``until: null`` means still in force.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    from_: dt.date = Field(alias="from", description="First receipt date (local) this version judges.")
    until: dt.date | None = Field(
        default=None, description="Last receipt date (local, inclusive) this version judges; null: still in force."
    )
    citation: Citation | None = Field(default=None, description="Where the document gives this date.")
    reading: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Effective:
        if self.until is not None and self.until < self.from_:
            raise PydanticCustomError(
                "effective_order",
                "effective.until ({until}) is before effective.from ({start}); a range runs forward",
                {"until": self.until.isoformat(), "start": self.from_.isoformat(), "at": ("until",)},
            )
        return self

    def covers(self, day: dt.date) -> bool:
        """Whether a grievance received (local date) on ``day`` is judged by this version."""
        return self.from_ <= day and (self.until is None or day <= self.until)

    def render(self) -> str:
        """The range as text: ``2024-01-01..2024-12-31`` or ``2024-01-01..`` (open)."""
        return f"{self.from_.isoformat()}..{self.until.isoformat() if self.until else ''}"


class PolicySpec(StrictModel):
    """A whole policy pack."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="grievance-rules policy pack")

    extends: Text | None = Field(
        default=None,
        description="A pack this one builds on: a pack id or a path relative to this file. Mappings merge, "
        "lists of items with an id merge by id, other lists (and 'when', 'citation') are replaced.",
    )
    id: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*(-[a-z0-9_]+)*$")] = Field(
        description="Pack id, lower case, e.g. my_plan or my-plan-referrals (words joined by - or _)."
    )
    name: Text
    version: Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z][0-9A-Za-z.+_-]*$")] = Field(
        description="Pack version (quote it in YAML)."
    )
    effective: Effective | None = Field(
        default=None,
        description="Receipt dates this version is in force for (required when a pack id has several versions).",
    )
    effective_date: dt.date | None = Field(
        default=None, description="Deprecated: read as effective: {from: <date>, until: null}; use effective."
    )
    source: Text = Field(description="The plan document the rules come from.")
    calendar: Calendar
    vocabulary: Vocabulary
    classification: Choice
    level: Choice | None = None
    handled_by: Choice | None = None
    delegation: Delegation | None = None
    filing_window: FilingWindow | None = None
    timers: list[Timer] = Field(default_factory=list)
    patterns: list[Pattern] = Field(default_factory=list)
    actions: list[ActionRule] = Field(default_factory=list)
    warnings: list[WarningRule] = Field(default_factory=list)
    record_requirements: list[RecordRequirement] = Field(default_factory=list)
    retention: Retention | None = None
    facts: dict[Identifier, FactDeclaration] = Field(
        default_factory=dict, description="Facts the pack adds to the grievance facts: name -> declaration."
    )
    flags: list[FlagRule] = Field(
        default_factory=list, description="Named true/false outcomes the Determination reports under 'flags'."
    )
    reports: list[ReportSpec] = Field(default_factory=list, description="The reports the document requires.")
    subject: Subject | None = Field(
        default=None, description="What the records are about when they are not grievances (contract section 9)."
    )
    extensions: list[Extension] = Field(default_factory=list)

    @model_validator(mode="after")
    def _anniversaries_need_leap_day(self) -> PolicySpec:
        """Months and years need the pack's explicit reading of 29 February's anniversary."""
        if self.calendar.leap_day is not None:
            return self
        for path, deadline in self.deadlines():
            if deadline.unit in ("months", "years"):
                raise PydanticCustomError(
                    "leap_day_missing",
                    "a deadline in {unit} needs calendar.leap_day: feb_28 or mar_1 (what the anniversary of "
                    "29 February is in a common year); add it to the calendar",
                    {"at": (*path, "unit"), "unit": deadline.unit},
                )
        return self

    def deadlines(self) -> list[tuple[tuple[str | int, ...], Deadline]]:
        """Every deadline of the pack with its path (actions' deadlines and targets, timers)."""
        out: list[tuple[tuple[str | int, ...], Deadline]] = []
        for i, action in enumerate(self.actions):
            for key in ("deadline", "target"):
                value = getattr(action, key)
                if value is not None:
                    out.append((("actions", i, key), value))
        out += [(("timers", i, "within"), t.within) for i, t in enumerate(self.timers)]
        return out

    @model_validator(mode="after")
    def _flags_read_after_choices(self) -> PolicySpec:
        """Flags are decided after every choice: a choice or a flag cannot test a flag."""
        places: list[tuple[tuple[str | int, ...], Condition | None]] = [
            ((name, "rules", i, "when"), r.when) for name, c in self.choices().items() for i, r in enumerate(c.rules)
        ]
        places += [(("flags", i, "when"), f.when) for i, f in enumerate(self.flags)]
        for path, when in places:
            for fact in _tested_facts(when):
                if fact.startswith("flags."):
                    raise PydanticCustomError(
                        "flag_order",
                        "'{found}' is decided after the choices and the other flags, so only actions, warnings, "
                        "record requirements and patterns may test it",
                        {"at": path, "found": fact},
                    )
        return self

    @model_validator(mode="after")
    def _unique_ids(self) -> PolicySpec:
        seen: set[str] = set()
        for rule_id in self.rule_ids():
            if rule_id in seen:
                raise PydanticCustomError(
                    "duplicate_rule_id", "rule id '{found}' is used twice; rule ids are unique", {"found": rule_id}
                )
            seen.add(rule_id)
        if self.effective is not None and self.effective_date is not None:
            raise PydanticCustomError(
                "effective_twice",
                "effective_date is the old spelling of effective.from; keep only effective",
                {"at": ("effective_date",)},
            )
        if self.classification.default is None:
            raise PydanticCustomError(
                "classification_default",
                "classification has no 'default'; every grievance needs a classification, so add "
                "'default: {{id: ..., value: ..., citation: ...}}' for when no rule applies",
                {"at": ("classification",)},
            )
        handlers = ("plan", "health_plan", *self.vocabulary.handlers)
        if self.handled_by is not None:
            for index, value in enumerate(self.handled_by.values):
                if value not in handlers:
                    raise PydanticCustomError(
                        "bad_handled_by",
                        "handled_by value '{found}' is not a handler{hint}; handled_by values are plan, health_plan "
                        "and the handlers declared under vocabulary.handlers: {allowed}",
                        {
                            "at": ("handled_by", "values", index),
                            "found": value,
                            "hint": hint(value, handlers),
                            "allowed": listing(handlers),
                        },
                    )
        self._check_reports()
        return self

    def dimension_values(self, dimension: str) -> tuple[str, ...]:
        """The values a report dimension declares (listed even at 0); ``group`` without a matrix has none."""
        v = self.vocabulary
        if dimension == "type":
            return tuple(v.types)
        if dimension == "concern":
            return tuple(v.concerns)
        if dimension == "channel":
            return tuple(v.channels)
        if dimension == "complainant":
            return COMPLAINANTS
        if dimension == "group":
            if self.delegation is None:
                return ()
            return tuple(r.group for r in self.delegation.rows) + ("other",)
        if dimension == "handled_by":
            return tuple(self.handled_by.values) if self.handled_by is not None else ("plan",)
        choice = self.choices().get(dimension)
        return () if choice is None else tuple(choice.values)

    def deadline_codes(self) -> tuple[str, ...]:
        """Action codes with at least one deadline, in pack order (what ``timeliness: all`` measures)."""
        codes: dict[str, None] = {}
        for action in self.actions:
            if action.deadline is not None:
                codes.setdefault(action.code, None)
        return tuple(codes)

    def _check_reports(self) -> None:
        seen: set[str] = set()
        codes = {a.code for a in self.actions}
        for i, rep in enumerate(self.reports):
            if rep.name in seen:
                raise PydanticCustomError(
                    "duplicate_report",
                    "report name '{found}' is used twice; report names are unique",
                    {"at": ("reports", i, "name"), "found": rep.name},
                )
            seen.add(rep.name)
            for j, dim in enumerate(rep.dimensions):
                if dim in ("type", "level") and not self.dimension_values(dim):
                    raise PydanticCustomError(
                        "empty_dimension",
                        "report '{report}' counts by '{found}', but the pack declares no {found} values; "
                        "declare them or drop the dimension",
                        {"at": ("reports", i, "dimensions", j), "report": rep.name, "found": dim},
                    )
            for dim, values in rep.where.items():
                allowed = self.dimension_values(dim)
                for j, value in enumerate(values):
                    if allowed and value not in allowed:
                        raise PydanticCustomError(
                            "undeclared_value",
                            "report '{report}' selects {dim} '{found}', which the pack does not declare{hint}; "
                            "allowed: {allowed}",
                            {
                                "at": ("reports", i, "where", dim, j),
                                "report": rep.name,
                                "dim": dim,
                                "found": value,
                                "hint": did_you_mean(value, allowed),
                                "allowed": ", ".join(allowed),
                            },
                        )
            if isinstance(rep.measures.timeliness, list):
                for j, code in enumerate(rep.measures.timeliness):
                    if code not in codes:
                        raise PydanticCustomError(
                            "unknown_action_code",
                            "report '{report}' measures timeliness of action code '{found}', which no action "
                            "has{hint}; codes: {allowed}",
                            {
                                "at": ("reports", i, "measures", "timeliness", j),
                                "report": rep.name,
                                "found": code,
                                "hint": did_you_mean(code, codes),
                                "allowed": ", ".join(sorted(codes)) or "(none)",
                            },
                        )
            if rep.printed_rates and not rep.measures.rate_per_1000_member_months:
                raise PydanticCustomError(
                    "printed_rate_unused",
                    "report '{report}' lists printed_rates but does not measure rate_per_1000_member_months; "
                    "set measures.rate_per_1000_member_months: true",
                    {"at": ("reports", i, "printed_rates"), "report": rep.name},
                )

    @property
    def effective_range(self) -> Effective | None:
        """The receipt dates this version is in force for (``effective_date`` read as an open range)."""
        if self.effective is not None:
            return self.effective
        if self.effective_date is not None:
            return Effective.model_validate({"from": self.effective_date})
        return None

    def declared(self) -> Declared:
        """The names this pack declares (the basis of its fact catalogue)."""
        v = self.vocabulary
        return Declared(
            concerns=tuple(v.concerns),
            types=tuple(v.types),
            events=tuple(v.events),
            assistance=tuple(v.assistance),
            roles=tuple(v.roles),
            actions=tuple(a.id for a in self.actions),
            timers=tuple(t.id for t in self.timers),
            patterns=tuple(p.id for p in self.patterns),
            schedule=tuple(v.schedule),
            choices={name: tuple(c.values) for name, c in self.choices().items()},
            has_delegation=self.delegation is not None,
            has_filing_window=self.filing_window is not None,
            channels=tuple(v.channels),
            handlers=tuple(v.handlers),
            delegation_by_plan=self.delegation is not None and self.delegation.direction == "by_plan",
            facts={name: decl.fact_type() for name, decl in self.facts.items()},
            flags=tuple(f.id for f in self.flags),
            subject_facts=None if self.subject is None else self.subject.catalogue(),
        )

    def choices(self) -> dict[str, Choice]:
        """The pack's first-match decisions by fact name."""
        out = {"classification": self.classification}
        if self.level is not None:
            out["level"] = self.level
        if self.handled_by is not None:
            out["handled_by"] = self.handled_by
        return out

    def rule_ids(self) -> list[str]:
        """Every rule id in file order."""
        ids: list[str] = []
        for choice in self.choices().values():
            ids.extend(r.id for r in choice.rules)
            if choice.default is not None:
                ids.append(choice.default.id)
        ids.extend(a.id for a in self.actions)
        ids.extend(w.id for w in self.warnings)
        ids.extend(r.id for r in self.record_requirements)
        ids.extend(p.id for p in self.patterns)
        ids.extend(f.id for f in self.flags)
        if self.subject is not None:
            ids.extend(r.id for r in self.subject.runs)
        return ids


def _tested_facts(c: Condition | None) -> list[str]:
    """Every fact a condition tests."""
    if c is None:
        return []
    for group in (c.all, c.any, c.none):
        if group is not None:
            return [f for x in group for f in _tested_facts(x)]
    return [c.fact] if c.fact is not None else []


SCHEMA_ID = "https://grievance-rules.invalid/policy.schema.json"


def policy_json_schema() -> dict[str, Any]:
    """The JSON Schema of the policy format, for editors (shipped as ``policies/policy.schema.json``)."""
    schema = PolicySpec.model_json_schema(by_alias=True)
    return {"$schema": "http://json-schema.org/draft-07/schema#", "$id": SCHEMA_ID, **schema}
