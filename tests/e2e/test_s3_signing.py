"""Every request the S3 store sends is signed as botocore (a second, independent
SigV4 implementation) would sign it, and its path is encoded as botocore
encodes keys. Requests are captured by a loopback proxy in front of MinIO, so
they are also accepted by a real server."""
import os
import re
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest

from conftest import S3_BUCKET, S3_ENDPOINT, requires_s3, run, s3_url
from s3_proxy import S3FaultProxy

pytestmark = requires_s3

AUTH = re.compile(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/s3/aws4_request, "
                  r"SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$")

ODD_KEYS = ["sp ace/a b.txt", "plus+/c+d", "eq=/k=v&x=y", "uni/ü 日本 語.txt",
            "deep/a/b/c/d", "marks/~*'()!$,;:@", "pct/%41%2F%", "brackets/[x]{y}^|`"]


def botocore_signature(req, secret, token=None, body=b""):
    """Signs the captured request's method, path, query and signed headers with
    botocore at the request's own X-Amz-Date; returns (authorization, canonical request)."""
    from botocore.auth import S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    m = AUTH.match(req.header("Authorization"))
    assert m, req.header("Authorization")
    access_key, _, region, signed, _ = m.groups()
    headers = {}
    for name in signed.split(";"):
        value = req.header(name)
        assert value is not None, f"signed header {name} was not sent"
        headers[name] = value
    # botocore adds these itself (from the payload and the credentials).
    headers.pop("x-amz-content-sha256", None)
    headers.pop("x-amz-security-token", None)
    parts = urlsplit(req.path)
    # botocore encodes the query itself, from the decoded parameters.
    params = parse_qsl(parts.query, keep_blank_values=True)
    aws = AWSRequest(method=req.method, url=f"http://{req.header('Host')}{parts.path}",
                     headers=headers, params=params, data=body)
    aws.context["timestamp"] = req.header("X-Amz-Date")
    auth = S3SigV4Auth(Credentials(access_key, secret, token), "s3", region)
    auth._modify_request_before_signing(aws)
    canonical = auth.canonical_request(aws)
    signature = auth.signature(auth.string_to_sign(aws, canonical), aws)
    scope = f"{access_key}/{req.header('X-Amz-Date')[:8]}/{region}/s3/aws4_request"
    authorization = (f"AWS4-HMAC-SHA256 Credential={scope}, "
                     f"SignedHeaders={auth.signed_headers(auth.headers_to_sign(aws))}, "
                     f"Signature={signature}")
    return authorization, canonical


def botocore_path(key):
    """How botocore puts a key into a path-style URL."""
    from botocore.utils import percent_encode
    return f"/{S3_BUCKET}/" + percent_encode(key, safe="/~")


@pytest.fixture
def proxy():
    with S3FaultProxy(S3_ENDPOINT, record=True) as p:
        yield p


def store(*args, check=True, env=None, input=None):
    return run(["store", *args], check=check, env=env, input=input)


def test_every_request_matches_botocore(proxy, s3_prefix, tmp_path):
    url = s3_url(s3_prefix, endpoint=proxy.url, multipart_threshold="5MiB", part_size="5MiB")
    for key in ODD_KEYS:
        store("put", url, key, input="value of " + key)
        assert store("cat", url, key).stdout == "value of " + key
        store("head", url, key)
        store("cat", url, key, "--offset", "2", "--length", "3")
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom((5 << 20) + 1000))
    store("put", url, "multi part/ü+=.bin", str(big))          # POST ?uploads, PUT parts, POST
    store("put", "--if-absent", url, "once/=+ ü", input="x")
    assert store("put", "--if-absent", url, "once/=+ ü", input="y", check=False).returncode == 5
    listed = store("ls", url).stdout.splitlines()
    assert sorted(line.split("\t")[2] for line in listed) == sorted(
        ODD_KEYS + ["multi part/ü+=.bin", "once/=+ ü"])
    for prefix in ("sp ace/", "plus+/", "eq=/k", "uni/ü", "marks/~*'"):
        assert store("ls", url, prefix).stdout.count("\n") == 1, prefix
    for key in ODD_KEYS:
        store("rm", url, key)

    secret = os.environ["AWS_SECRET_ACCESS_KEY"]
    methods = set()
    queries = set()
    for req in proxy.recorded:
        methods.add(req.method)
        queries.update(k for k, _ in parse_qsl(urlsplit(req.path).query, keep_blank_values=True))
        want, canonical = botocore_signature(req, secret, body=req.body)
        assert req.header("Authorization") == want, (req.method, req.path, canonical)
        path = urlsplit(req.path).path
        if path != f"/{S3_BUCKET}":
            assert path == botocore_path(unquote(path)[len(S3_BUCKET) + 2:]), path
    assert methods == {"GET", "HEAD", "PUT", "POST", "DELETE"}
    assert {"list-type", "prefix", "encoding-type", "uploads", "uploadId", "partNumber"} <= queries
    assert len(proxy.recorded) > 40


def test_session_token_is_signed(proxy, s3_prefix):
    # MinIO rejects the made-up token; the signature is still checked.
    env = {"AWS_SESSION_TOKEN": "FwoGZXIvYXdzE/token+with=odd chars"}
    out = store("put", s3_url(s3_prefix, endpoint=proxy.url, max_attempts=1), "k",
                input="v", check=False, env=env)
    assert out.returncode != 0
    assert "FwoGZXIv" not in out.stderr and os.environ["AWS_SECRET_ACCESS_KEY"] not in out.stderr
    req = proxy.recorded[-1]
    assert "x-amz-security-token" in req.header("Authorization")
    want, _ = botocore_signature(req, os.environ["AWS_SECRET_ACCESS_KEY"],
                                 token=env["AWS_SESSION_TOKEN"], body=req.body)
    assert req.header("Authorization") == want


def test_the_comparison_detects_a_different_path(proxy, s3_prefix):
    store("put", s3_url(s3_prefix, endpoint=proxy.url), "a b", input="v")
    req = proxy.recorded[-1]
    req.path = req.path.replace("a%20b", "a+b")
    want, _ = botocore_signature(req, os.environ["AWS_SECRET_ACCESS_KEY"], body=req.body)
    assert req.header("Authorization") != want
