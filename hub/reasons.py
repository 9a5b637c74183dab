"""Why a record was rejected or warned about: each reason's English sentence, registered once.

The English text is what is stored (`record_errors.message`) and what the API, the CLI and the
reports say; the pages say it again in the reader's language (a province's steward reads Chinese),
with the catalogues' message `reason.<code>` and the values the sentence was said with. The values
are read back from the stored text by the sentence's own pattern (`read`), so every row written
before a reason was registered, or by a version that said it in other words, is shown as it was
stored rather than lost; storing a code beside each message would have left those rows in English
and needed every path that passes a message on (a transform's exception, a field's problem, a
common field's note) to carry it.

A value named in `NESTED` is itself a reason's sentence (a credit code's checksum, the kind of value
expected) and is read the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: Values that are sentences of their own, read again as reasons.
NESTED = frozenset({"detail", "message", "what", "where", "first", "place"})
#: What a value looks like where a sentence could be split in more than one place ("got {type}
#: {value}": a Python type's name is one word); any other value is the shortest text that fits.
SHAPES = {"type": r"\w+"}

_PLACEHOLDER = re.compile(r"\\\{(\w+)(?::[^}]*)?\\\}")


@dataclass(frozen=True)
class Reason:
    code: str  # the catalogues' message id, `reason.…`
    english: str  # a str.format template with named values
    pattern: re.Pattern = field(compare=False, repr=False)

    def __call__(self, **values) -> str:
        return self.english.format(**values)


#: code → reason; `read` tries those with the most fixed text first, so that "expected {what}, got
#: {value}" does not claim a sentence a longer reason says.
REASONS: dict[str, Reason] = {}


def reason(code: str, english: str) -> Reason:
    """Register the reason `code` (a literal `reason.…` id: the catalogues' extraction finds it here)."""
    if code in REASONS:
        raise ValueError(f"reason {code} registered twice")
    escaped = re.escape(english)
    names = _PLACEHOLDER.findall(escaped)
    if len(names) != len(set(names)):
        raise ValueError(f"reason {code} names a value twice")
    pattern = re.compile(_PLACEHOLDER.sub(lambda m: f"(?P<{m.group(1)}>{SHAPES.get(m.group(1), '.*?')})", escaped), re.DOTALL)
    REASONS[code] = found = Reason(code, english, pattern)
    _ordered.clear()
    return found


_ordered: list[Reason] = []


def read(message: str | None) -> tuple[Reason, dict[str, object]] | None:
    """(reason, values) that said `message`, each value named in NESTED read again (a (reason,
    values) pair, or the text when it is no reason's); None when no registered reason says it."""
    if not message:
        return None
    if not _ordered:
        _ordered.extend(sorted(REASONS.values(), key=lambda r: -len(_PLACEHOLDER.sub("", re.escape(r.english)))))
    for candidate in _ordered:
        m = candidate.pattern.fullmatch(message)
        if m:
            values: dict[str, object] = dict(m.groupdict())
            for name in NESTED & values.keys():
                values[name] = read(str(values[name])) or values[name]
            return candidate, values
    return None


# --------------------------------------------------------------------------- the reasons
# Mapping a record (hub.mapping): the kinds of value a transform expects, named in its reasons.
WHAT_TEXT = reason("reason.what.text", "text")
WHAT_MONEY = reason("reason.what.money", "an amount of money")
WHAT_NUMBER = reason("reason.what.number", "a non-negative number")
WHAT_AMOUNT = reason("reason.what.amount", "a non-negative amount")
WHAT_WHOLE = reason("reason.what.whole", "a non-negative whole number")
WHAT_COUNTRY = reason("reason.what.country", "a country")
WHAT_DATE = reason("reason.what.date", "a date")
WHAT_DATETIME = reason("reason.what.datetime", "a date and time")
WHAT_EPOCH = reason("reason.what.epoch", "epoch milliseconds")
WHAT_REGION = reason("reason.what.region", "a region code or name")
WHAT_CATEGORY = reason("reason.what.category", "a category")
WHAT_CREDIT_CODE = reason("reason.what.credit_code", "a credit code")
WHAT_FEE = reason("reason.what.fee", "a fee")

WRONG_TYPE = reason("reason.wrong_type", "expected {what}, got {type} {value}")
TOO_MUCH_TEXT = reason("reason.too_much_text", "expected {what}, got {length} characters of text {value}")
NOT_READ = reason("reason.not_read", "expected {what}, got {value}")
NEGATIVE = reason("reason.negative", "expected {what}, got a negative value {value}")
NOT_FINITE = reason("reason.not_finite", "expected a finite number, got {value}")
TEXT_TOO_LONG = reason("reason.text_too_long", "text of {length} characters is longer than {limit}: {value}")
NOT_TEXT_OR_LIST = reason("reason.not_text_or_list", "expected text or a list, got {type} {value}")
NOT_AMOUNT = reason("reason.not_amount", "expected an amount such as 68.5万元 or 685000元, got {value}")
AMOUNT_NEGATIVE = reason("reason.amount_negative", "amount must not be negative, got {value}")
AMOUNT_TOO_LARGE = reason("reason.amount_too_large", "amount {value} is implausibly large")
NUMBER_TOO_LARGE = reason("reason.number_too_large", "number {value} is implausibly large")
NOT_WHOLE = reason("reason.not_whole", "expected a whole number, got {value}")
COUNT_TOO_LARGE = reason("reason.count_too_large", "count {value} is implausibly large")
VOCAB_WRONG_TYPE = reason("reason.vocab_wrong_type", "expected a {table} value, got {type} {value}")
POSTCODE_BAD = reason("reason.postcode_bad", "expected a 6-digit postcode, got {value}")
VOCAB_UNKNOWN = reason("reason.vocab_unknown", "unknown {table} value {value}; expected one of: {allowed}")
COUNTRY_UNKNOWN = reason("reason.country_unknown", "unknown country {value}; expected a Chinese country name or an ISO 3166 code")
CATEGORY_CODE_UNKNOWN = reason("reason.category_code_unknown", "unknown category code {value}; not in the national classification")
CATEGORY_AMBIGUOUS = reason("reason.category_ambiguous", "category name {value} is ambiguous ({found}); send 大类 / 中类")
CATEGORY_UNKNOWN = reason("reason.category_unknown", "unknown category {value}; expected a code or a name of the national classification")
REGION_TOO_LONG = reason("reason.region_too_long", "expected a region, got {length} characters of text {value}")
DIVISION_CODE_UNKNOWN = reason("reason.division_code_unknown", "unknown GB/T 2260 division code {value}")
DIVISION_NOT_NAMED = reason("reason.division_not_named", "no GB/T 2260 division named in {value}")
CREDIT_CODE_INVALID = reason("reason.credit_code_invalid", "invalid unified social credit code {value}: {detail}")
FEE_TOO_LONG = reason("reason.fee_too_long", "fee text of {length} characters is too long")
# python-stdnum's own words for what is wrong with a credit code (stdnum.exceptions)
CODE_CHECKSUM = reason("reason.code_checksum", "The number's checksum or check digit is invalid.")
CODE_LENGTH = reason("reason.code_length", "The number has an invalid length.")
CODE_FORMAT = reason("reason.code_format", "The number has an invalid format.")
CODE_COMPONENT = reason("reason.code_component", "One of the parts of the number are invalid or unknown.")

# dates (hub.mapping.dates)
YEAR_OUT_OF_RANGE = reason("reason.year_out_of_range", "year {year} out of range {first}–{last} in {value}")
EPOCH_OUT_OF_RANGE = reason("reason.epoch_out_of_range", "epoch milliseconds out of range: {value}")
EPOCH_SECONDS = reason("reason.epoch_seconds", "{value} looks like epoch seconds ({day}), where epoch milliseconds are expected; not read")
PLACEHOLDER_DATE = reason("reason.placeholder_date", "{value} is a placeholder (epoch 1970-01-01), not a date")
PLACEHOLDER_SERIAL = reason("reason.placeholder_serial", "{value} is a placeholder (epoch 1970-01-01 as an Excel serial day), not a date")
NUMBER_AS_DATE = reason(
    "reason.number_as_date",
    "{value} sent as a number is read as epoch milliseconds, 1970-01-01 (a placeholder), not a date; {detail}",
)
NO_MONTH = reason("reason.no_month", "no month {month} in {value}")
IMPOSSIBLE_DATE = reason("reason.impossible_date", "impossible date {value}")
NOT_DATE = reason("reason.not_date", "expected a date such as 2011-06-15, 2011-06 or 2011年6月, got {value}")
NOT_TIME = reason("reason.not_time", "expected a time such as 2013-09-12 10:22:01, got {value}")
IMPOSSIBLE_TIME = reason("reason.impossible_time", "impossible date or time {value}")

# the common schema (hub.mapping.validate) and the plausibility checks
MISSING = reason("reason.missing", "missing required value")
UNKNOWN_FIELD = reason("reason.unknown_field", "unknown field")
EMPTY = reason("reason.empty", "must not be empty")
NOT_OBJECT = reason("reason.not_object", "expected an object, got {value}")
NOT_LIST = reason("reason.not_list", "expected a list, got {value}")
GOT = reason("reason.got", "{message} (got {value})")
IN_COMMON_FIELD = reason("reason.in_common_field", "{message} (common field {field})")
VALUE_TOO_LOW = reason(
    "reason.value_too_low",
    "original value {value} yuan is below {limit} yuan, implausible for a large instrument: "
    "万元 entered where yuan were expected? The value was dropped",
)
VALUE_TOO_HIGH = reason(
    "reason.value_too_high",
    "original value {value} yuan is above {limit} yuan, implausible for one instrument: "
    "yuan entered where 万元 were expected? The value was dropped",
)
YEAR_NOT_ASKED = reason(
    "reason.year_not_asked", "the row states the year {stated}, but these are the statistics of {year}: send it in a batch of its own year"
)
ID_MISSING = reason("reason.id_missing", "record id is missing")
NOT_AN_OBJECT = reason("reason.payload_not_object", "payload is not an object: {type}")

# the writer (hub.harvest.writer)
#: A repeated id, by what repeats and in what: each a sentence of its own, so each can be translated.
REPEATS_EARLIER = {
    ("record", "run"): reason(
        "reason.repeats_record_of_run",
        "repeats the id of an earlier record of this run ({first}); the first one is taken, this one{where} is not",
    ),
    ("record", "batch"): reason(
        "reason.repeats_record_of_batch",
        "repeats the id of an earlier record of this batch ({first}); the first one is taken, this one{where} is not",
    ),
    ("deletion", "run"): reason(
        "reason.repeats_deletion_of_run",
        "repeats the id of an earlier deletion of this run ({first}); the first one is taken, this one{where} is not",
    ),
    ("deletion", "batch"): reason(
        "reason.repeats_deletion_of_batch",
        "repeats the id of an earlier deletion of this batch ({first}); the first one is taken, this one{where} is not",
    ),
}
# where in a batch or a run a record was: what a repeat's reason names
PLACE_LINE = reason("reason.place.line", "line {line}")
PLACE_ELEMENT = reason("reason.place.element", "line {line}, array element {element}")
PLACE_FILE_LINE = reason("reason.place.file_line", "{file} line {number}")
PLACE_FILE_ROW = reason("reason.place.file_row", "{file} row {number}")
PLACE_IN_PARENS = reason("reason.place.in_parens", " ({place})")
PLACE_THIS_RECORD = reason("reason.place.this_record", "this record")
PLACE_RECORD_OF = {
    "run": reason("reason.place.record_of_run", "record {number} of this run"),
    "batch": reason("reason.place.record_of_batch", "record {number} of this batch"),
}
REPEATS_LISTED = reason("reason.repeats_listed", "{where} repeats {first} (both have the id {id}): not applied")
RECORD_TOO_LARGE = reason("reason.record_too_large", "the record is {length} characters long as JSON; at most {limit} are accepted")

# the withdrawal guard's decisions (hub.harvest.guard), shown with a run and a snapshot's batch
GUARD_INCREMENTAL = reason("reason.guard.incremental", "incremental run: withdrawals come only from explicit deletions")
GUARD_INCOMPLETE = reason("reason.guard.incomplete", "the listing was not read completely: nothing withdrawn")
GUARD_TOO_FEW = reason(
    "reason.guard.too_few", "the network listed {listed} instruments (suspicious: fewer than {least}): nothing withdrawn"
)
GUARD_NOTHING_ABSENT = reason("reason.guard.nothing_absent", "nothing absent")
GUARD_HELD = reason(
    "reason.guard.held",
    "{absent} of {active} active instruments ({share}) are absent, above the {limit} limit: held for an operator's confirmation",
)
GUARD_WITHDRAWN = reason("reason.guard.withdrawn", "{absent} instruments absent from a complete listing withdrawn ({share})")

# a pushed record that has no id the hub can store it by (hub.feed.apply)
RECORD_AT = reason("reason.record_at", "record at {where}: {message}")
ID_NOT_TEXT = reason(
    "reason.id_not_text", "the record id ({field}) must be a text or a number, got {value}; the record cannot be stored or reported by id"
)
ID_NOT_GIVEN = reason("reason.id_not_given", "the record id ({field}) is missing; the record cannot be stored or reported by id")
ID_TOO_LONG = reason("reason.id_too_long", "the record id is {length} characters long (at most {limit})")

# what a run's message notes besides the withdrawal decision (hub.harvest.pipeline)
NOTE_REPEATS = reason("reason.note.repeats", "{count} records repeat an earlier record's id and were not applied (see the record errors)")
NOTE_SUPERSEDED = reason("reason.note.superseded", "this listing superseded the waiting withdrawal hold(s) {holds}")
