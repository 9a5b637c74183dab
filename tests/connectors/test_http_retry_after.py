"""`Retry-After` in both of its forms (RFC 9110: delay-seconds or an HTTP date), and anything else a
server puts there is a missing value (back off as usual), never a crash of the harvest."""

from __future__ import annotations

import email.utils
import time

import pytest

from hub.http import retry_after


@pytest.mark.parametrize(
    "value, expected",
    [
        ("120", 120.0),
        (" 3 ", 3.0),
        ("0", 0.0),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),  # a date in the past: go now
        ("1.5", None),
        ("-1", None),
        ("soon", None),
        ("", None),
        (None, None),
        # Digits by Unicode but not delay-seconds: '²' made float() raise out of the harvest.
        ("²", None),
        ("１２", None),
    ],
)
def test_retry_after(value, expected):
    assert retry_after(value) == expected


def test_retry_after_as_a_date_ahead_is_the_seconds_until_then():
    when = email.utils.formatdate(time.time() + 60, usegmt=True)
    assert 55 <= retry_after(when) <= 60


def test_a_429_with_a_retry_after_that_is_no_number_backs_off_and_retries(rsps, make_http, sleeps):
    rsps.add("GET", "http://net.test/list", status=429, headers={"Retry-After": "²"})
    rsps.add("GET", "http://net.test/list", status=200, body=b"ok")
    http = make_http("420000", backoff=0.5)
    assert http.get("http://net.test/list").status_code == 200
    assert sleeps == [0.5]
