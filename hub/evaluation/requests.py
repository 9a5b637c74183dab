"""Evaluations asked for through the API and run by the job queue (task `evaluate`, hub.queue.tasks).

The web request checks what is cheap (arguments, framework, input tables: `check`) and stores the
request with its tables (`submit`); a worker runs it (`run`): the same `run_evaluation` as
`hub evaluate`, then the evaluation, its audit entry and the request's outcome in one transaction, so
a worker that dies half-way leaves a request to run again, never a second evaluation.

Input tables are written under their own names into a private temporary directory (`staged`), so
the report names them — and hashes their bytes — exactly as the CLI would for files of those names.
Failures name files as the client knows them: server paths are scrubbed (`problem_of`).
"""

from __future__ import annotations

import base64
import logging
import tempfile
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Iterator

from sqlalchemy import insert, select, update

from hub.auth import audit
from hub.clock import as_utc, now
from hub.errors import ConfigError
from hub.evaluation import report as report_mod
from hub.evaluation.engine import EvaluationError
from hub.evaluation.framework import STORE_UNITS, Framework
from hub.evaluation.service import check_periods, evaluation_row, insert_evaluation, prepare, run_evaluation
from hub.evaluation.units import from_inputs
from hub.store.models import EvaluationRequest

log = logging.getLogger(__name__)
REQUESTS = EvaluationRequest.__table__
#: A run that died this often is failed rather than tried again (a request that kills its worker).
MAX_ATTEMPTS = 3
#: A request `running` for longer than this lost its process (in-process queue; procrastinate
#: retries the job of a worker that stopped beating by itself): 5,000 runs take seconds.
STALE_AFTER = timedelta(minutes=30)

Tables = list[tuple[str, bytes]]


@contextmanager
def staged(tables: Tables | None) -> Iterator[tuple[Path, list[Path]]]:
    """A private directory holding the tables under their own names, and their paths."""
    with tempfile.TemporaryDirectory(prefix="hub-evaluation-") as tmp:
        directory = Path(tmp)
        paths = []
        for name, data in tables or ():
            (directory / name).write_bytes(data)
            paths.append(directory / name)
        yield directory, paths


def scrub(text: str, *dirs: Path) -> str:
    """Server paths out of a message: files are named as the client knows them."""
    for d in dirs:
        for form in {str(d), str(d.resolve())}:
            text = text.replace(form + "/", "")
    return text


def problem_of(exc: Exception, input_names, *dirs: Path) -> dict:
    """The problem document (status, type, detail, extensions) of a framework or input failure."""
    if isinstance(exc, ConfigError):
        source = scrub(exc.source, *dirs)
        detail = scrub(str(exc), *dirs)
        parameter = "inputs" if source in input_names else "framework"
        return {
            "status": 422,
            "type": "evaluation-input",
            "detail": detail,
            "source": source,
            "key": exc.key,
            "problem": exc.problem,
            "errors": [{"parameter": parameter, "in": "body", "messages": [detail]}],
        }
    return {"status": 422, "type": "evaluation-failed", "detail": scrub(str(exc), *dirs)}


class Refused(Exception):
    """A request that cannot run, found before it is queued: `problem` is its problem document."""

    def __init__(self, problem: dict):
        super().__init__(problem["detail"])
        self.problem = problem


def check(framework_path: Path, tables: Tables | None, periods=None) -> Framework:
    """Load the framework and read the tables as the run will (milliseconds), so the request answers
    a bad input itself: `Refused` names the file and key at fault. The values of a framework over
    input tables are read too; over the store, only the rows of units in the store are read (by the
    run, as `hub evaluate` does), so a bad value there fails the request in the worker."""
    with staged(tables) as (directory, paths):
        try:
            fw, inputs = prepare(framework_path, paths or None)
            check_periods(fw, periods or ())
            if fw.units not in STORE_UNITS:
                from_inputs(fw, inputs)
        except (ConfigError, EvaluationError) as exc:
            raise Refused(problem_of(exc, {name for name, _ in tables or ()}, directory, framework_path.parent)) from None
    return fw


def submit(store, framework_path: Path, args: dict, tables: Tables | None, *, created_by: str | None, role: str | None) -> int:
    """Store a checked request, queued; returns its id (the caller defers `evaluate`)."""
    arguments = {
        "framework_path": str(framework_path),
        **{k: args.get(k) for k in ("period", "periods", "seed", "runs", "title", "publish")},
        "as_of": args["as_of"].isoformat() if args.get("as_of") else None,
    }
    inputs = [{"name": name, "base64": base64.b64encode(data).decode("ascii")} for name, data in tables or ()]
    with store.write() as conn:
        return int(
            conn.execute(
                insert(REQUESTS)
                .values(
                    state="queued",
                    arguments=arguments,
                    inputs=inputs,
                    created_at=now(),
                    created_by=created_by,
                    created_role=role,
                    attempts=0,
                )
                .returning(REQUESTS.c.id)
            ).scalar_one()
        )


def load_request(store, request_id: int) -> dict | None:
    with store.read() as conn:
        row = conn.execute(select(REQUESTS).where(REQUESTS.c.id == request_id)).mappings().first()
    return dict(row) if row else None


#: What a finished request keeps of its input tables: nothing. The tables (up to 10 MB a request)
#: were kept only to run it, or run it again; its report names and hashes them, and its problem
#: names the file at fault, so without this the table would grow by every upload forever.
DROPPED_INPUTS: list = []


def _finish(store, request_id: int, attempt: int, **values) -> None:
    with store.write() as conn:
        conn.execute(_own(request_id, attempt).values(finished_at=now(), inputs=DROPPED_INPUTS, **values))


def _own(request_id: int, attempt: int):
    """An UPDATE of the request that takes effect only while `attempt` is the request's latest and
    it still runs: an attempt given up for dead (a frozen worker, a lost heartbeat) that comes back
    after a later one has claimed the request must change nothing."""
    return update(REQUESTS).where(REQUESTS.c.id == request_id, REQUESTS.c.state == "running", REQUESTS.c.attempts == attempt)


def _claim(store, request_id: int):
    """The request's row, now `running` for this attempt (its number: the row's `attempts` + 1);
    None when there is nothing to run."""
    with store.write() as conn:
        row = conn.execute(select(REQUESTS).where(REQUESTS.c.id == request_id)).first()
        if row is None or row.state not in ("queued", "running"):
            return None
        if row.attempts >= MAX_ATTEMPTS:
            problem = {"status": 500, "type": "evaluation-died", "detail": f"the run died {row.attempts} times; see the worker's log"}
            conn.execute(
                update(REQUESTS)
                .where(REQUESTS.c.id == request_id)
                .values(state="failed", finished_at=now(), problem=problem, inputs=DROPPED_INPUTS)
            )
            return None
        # Conditional: of two queues that found the request waiting (two processes on one SQLite
        # file), one runs it. A `running` row here is an attempt whose worker died (the task's lock
        # lets one job of a request run at a time).
        claimed = conn.execute(
            update(REQUESTS)
            .where(REQUESTS.c.id == request_id, REQUESTS.c.state == row.state, REQUESTS.c.attempts == row.attempts)
            .values(state="running", started_at=now(), attempts=row.attempts + 1)
        ).rowcount
    return row if claimed else None


def run(store, request_id: int) -> str:
    """Run a stored request: compute, then store the evaluation, its audit entry and the outcome."""
    row = _claim(store, request_id)
    if row is None:
        return f"evaluation request {request_id}: nothing to do"
    attempt = row.attempts + 1
    args = row.arguments
    tables = [(t["name"], base64.b64decode(t["base64"])) for t in row.inputs]
    framework_path = Path(args["framework_path"])
    as_of = datetime.fromisoformat(args["as_of"]) if args.get("as_of") else None
    with staged(tables) as (directory, paths):
        try:
            report, report_bytes = run_evaluation(
                store, framework_path, args["period"], paths, args["seed"], args["runs"], as_of, periods=args.get("periods")
            )
        except (ConfigError, EvaluationError) as exc:
            problem = problem_of(exc, {name for name, _ in tables}, directory, framework_path.parent)
            _finish(store, request_id, attempt, state="failed", problem=problem)
            return f"evaluation request {request_id} failed: {problem['detail']}"
        except Exception:
            _finish(
                store,
                request_id,
                attempt,
                state="failed",
                problem={"status": 500, "type": "evaluation-error", "detail": "see the worker's log"},
            )
            raise
    with store.write() as conn:
        # Claimed for the outcome first, in the transaction that stores the evaluation: of two
        # attempts that both ran to the end, only the request's latest stores one.
        if not conn.execute(_own(request_id, attempt).values(state="succeeded", finished_at=now(), inputs=DROPPED_INPUTS)).rowcount:
            return f"evaluation request {request_id}: attempt {attempt} superseded by a later one; nothing stored"
        eid = insert_evaluation(
            conn, evaluation_row(report, report_bytes, created_by=row.created_by, published=args["publish"], title=args["title"])
        )
        audit.record(
            conn,
            actor=row.created_by,
            role=row.created_role,
            action="evaluation.created",
            target=eid,
            detail={
                "framework": report["framework"]["file"],
                "framework_sha256": report["framework"]["sha256"],
                "inputs": [{"file": t["file"], "sha256": t["sha256"]} for t in report["inputs"]],
                "period": report.get("period"),
                "seed": args["seed"],
                "runs": args["runs"],
                "published": args["publish"],
                "report_sha256": report_mod.sha256(report_bytes),
            },
        )
        conn.execute(update(REQUESTS).where(REQUESTS.c.id == request_id).values(evaluation_id=eid))
    return f"evaluation request {request_id}: evaluation {eid}"


def waiting(store) -> list[int]:
    """Requests that need a job: queued (their job lost with an in-process queue, or never deferred)
    or running for longer than any run takes (their process died)."""
    cutoff = now() - STALE_AFTER
    with store.read() as conn:
        rows = conn.execute(
            select(REQUESTS.c.id, REQUESTS.c.state, REQUESTS.c.started_at)
            .where(REQUESTS.c.state.in_(("queued", "running")))
            .order_by(REQUESTS.c.id)
        ).all()
    return [r.id for r in rows if r.state == "queued" or (r.started_at is not None and as_utc(r.started_at) < cutoff)]
