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


def chunked(client, path, body: bytes, content_type: str, headers=None):
    """POST `body` as a server hands a chunked upload to the app: the input marked terminated, and
    `Transfer-Encoding: chunked`, for which Werkzeug reads no Content-Length (the test client would
    otherwise send the stream's length as one)."""
    return client.post(
        path,
        input_stream=io.BytesIO(body),
        content_type=content_type,
        headers={"Transfer-Encoding": "chunked", **(headers or {})},
        environ_overrides={"wsgi.input_terminated": True},
    )


def test_a_file_posted_to_oai_by_anyone_is_refused_unread(client):
    body, content_type = multipart(OVER)
    r = client.post("/oai", data=body, content_type=content_type)
    assert r.status_code == 413, r.status_code
    assert b'<error code="badArgument">' in r.data  # in the protocol (tests/oai/test_provider.py)


def test_a_body_without_content_length_is_refused_once_past_the_limit(client):
    body, content_type = multipart(OVER)
    r = chunked(client, "/oai", body, content_type)
    assert r.status_code == 413, r.status_code
    assert b'<error code="badArgument">' in r.data


def test_a_form_without_content_length_is_refused_not_cut_at_the_limit(client):
    """Werkzeug's stream for such a body stops at the limit without a word, and its form parser read
    the first MiB of a 3 MiB form as the whole form: `hub serve` answered 200 (an OAI error about the
    argument it had cut) where the same form with a Content-Length got 413."""
    body = b"verb=Identify&x=" + b"a" * (3 * MAX_FORM_BYTES)
    r = chunked(client, "/oai", body, "application/x-www-form-urlencoded")
    assert r.status_code == 413, (r.status_code, r.data[:300])
    assert b'<error code="badArgument">' in r.data


def test_a_form_without_content_length_up_to_the_limit_is_read_whole(client):
    padding = MAX_FORM_BYTES - len(b"verb=Identify&pad=")
    r = chunked(client, "/oai", b"verb=Identify&pad=" + b"a" * padding, "application/x-www-form-urlencoded")
    assert r.status_code == 200 and b"illegal or repeated arguments: pad" in r.data, (r.status_code, r.data[:300])
    assert chunked(client, "/oai", b"verb=Identify", "application/x-www-form-urlencoded").status_code == 200


def test_a_pushed_batch_without_content_length_keeps_its_own_larger_limit(client, tokens):
    records = b"[" + b",".join(b'{"innerId": "C%d", "cname": "%s"}' % (i, b"x" * 1000) for i in range(2 * OVER // 1000)) + b"]"
    assert len(records) > MAX_FORM_BYTES
    r = chunked(client, "/api/v1/networks/110000/batches?mode=upsert", records, "application/json", headers=auth(tokens["bj"]))
    assert r.status_code in (200, 202), r.get_json()


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
