"""A body larger than any form of the hub is refused with 413, unread, on every route that has no
larger limit of its own (docs/operations.md "Request bodies").

`POST /oai` is public and Werkzeug parses its form: a multipart file part was spooled to a temporary
file whatever its size, so one anonymous client could stream gigabytes to the server's disk (1.5 GB in
2 s against `hub serve`, answered 200 Identify). Pushed batches and evaluation requests keep their own,
larger limits.
"""

from __future__ import annotations

import io

import pytest

from hub.web.request_body import MAX_FORM_BYTES
from tests.conftest import auth

OVER = MAX_FORM_BYTES + 1024


def multipart(size: int) -> tuple[bytes, str]:
    boundary = "hostile-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="verb"\r\n\r\nIdentify\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="f"; filename="f"\r\n\r\n'
        ).encode()
        + b"a" * size
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def test_a_file_posted_to_oai_by_anyone_is_refused_unread(client):
    body, content_type = multipart(OVER)
    r = client.post("/oai", data=body, content_type=content_type)
    assert r.status_code == 413, r.status_code
    assert b'<error code="badArgument">' in r.data  # in the protocol (tests/oai/test_provider.py)


def test_a_body_without_content_length_is_refused_once_past_the_limit(client):
    body, content_type = multipart(OVER)
    r = client.post("/oai", input_stream=io.BytesIO(body), content_type=content_type, environ_overrides={"wsgi.input_terminated": True})
    assert r.status_code == 413, r.status_code
    assert b'<error code="badArgument">' in r.data


def test_an_oai_request_by_post_still_works(client):
    r = client.post("/oai", data="verb=Identify", content_type="application/x-www-form-urlencoded")
    assert r.status_code == 200 and b"<Identify>" in r.data


@pytest.mark.parametrize("path", ["/admin/networks/370000/harvest", "/api/v1/admin/networks/370000/harvest", "/api/v1/clusters/decisions"])
def test_admin_forms_and_json_have_the_same_limit(client, tokens, path):
    r = client.post(path, data=b"{" + b" " * OVER + b"}", content_type="application/json", headers=auth(tokens["admin"]))
    assert r.status_code == 413, (path, r.status_code)


def test_a_pushed_batch_keeps_its_own_larger_limit(client, tokens):
    records = b"[" + b",".join(b'{"innerId": "B%d", "cname": "%s"}' % (i, b"x" * 1000) for i in range(2 * OVER // 1000)) + b"]"
    assert len(records) > MAX_FORM_BYTES
    r = client.post(
        "/api/v1/networks/110000/batches?mode=upsert", data=records, content_type="application/json", headers=auth(tokens["bj"])
    )
    assert r.status_code in (200, 202), r.get_json()
