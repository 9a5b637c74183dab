import subprocess
import sys
from datetime import timedelta

from sqlalchemy import select, update

from hub.harvest.jobs import JOBS, finish_job, now, recover_crashed, start_job


def _state(store, job_id):
    with store.read() as conn:
        return conn.execute(select(JOBS.c.state, JOBS.c.message).where(JOBS.c.id == job_id)).one()


def test_a_job_whose_process_died_is_marked_crashed(store):
    job = start_job(store, "370000", "full")
    # Pretend the job was started by a process that has since exited.
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True).stdout.strip()
    with store.write() as conn:
        conn.execute(update(JOBS).where(JOBS.c.id == job.id).values(pid=int(dead)))
    assert recover_crashed(store) == [job.id]
    state, message = _state(store, job.id)
    assert state == "crashed" and "died" in message


def test_a_live_job_is_left_alone(store):
    job = start_job(store, "370000", "full")
    assert recover_crashed(store) == []
    assert _state(store, job.id).state == "running"
    finish_job(store, job, "succeeded", listing_complete=True)
    assert _state(store, job.id).state == "succeeded"


def test_a_silent_job_on_another_host_is_marked_crashed(store):
    job = start_job(store, "370000", "full")
    with store.write() as conn:
        conn.execute(update(JOBS).where(JOBS.c.id == job.id).values(host="elsewhere", heartbeat_at=now() - timedelta(hours=1)))
    assert recover_crashed(store) == [job.id]


def _before_this_process_started():
    """A moment before this process started: what a predecessor wrote, in a container restarted
    with the same hostname and the same pid (1, say) as the process that died."""
    import psutil

    from datetime import datetime, timezone

    return datetime.fromtimestamp(psutil.Process().create_time(), timezone.utc) - timedelta(minutes=5)


def test_a_job_of_a_predecessor_with_this_process_s_pid_is_marked_crashed(store):
    # Its heartbeat is fresh enough that only the process test can find it dead.
    job = start_job(store, "370000", "full")
    with store.write() as conn:
        conn.execute(update(JOBS).where(JOBS.c.id == job.id).values(started_at=_before_this_process_started(), heartbeat_at=now()))
    assert recover_crashed(store) == [job.id]
