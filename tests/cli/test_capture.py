"""`iqgateway capture`: a replayed real device captured, then replayed from the capture, reads the same.

The capture holds the device's bytes (secrets redacted), its status codes and latencies in the
`<name>_log.json` files, under the file names of ENVOY-API.md "Captures".
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from iqgateway.auth.passwords import installer_password
from iqgateway.commands.capture import CAPTURE_PATHS, redact_body, redact_headers
from iqgateway.gateway import Gateway
from iqgateway.simulator.replay import ReplaySource, file_name
from iqgateway.simulator.server import SimulatedEnvoy
from iqgateway.snapshot import snapshot_dict
from tests.cli.common import invoke, invoke_async
from tests.shared import CAPTURES, REFS_PYENPHASE

VOLATILE = ("endpoints", "live", "updated_at", "parts_updated_at")  # these depend on when the update ran


async def _read(
    url: str, *, token: str | None = None, username: str | None = None, password: str | None = None
) -> dict[str, Any]:
    async with Gateway(url, token=token, username=username, password=password) as gateway:
        await gateway.setup()
        await gateway.authenticate()
        await gateway.probe()
        snapshot = snapshot_dict(await gateway.update())
    return {key: value for key, value in snapshot.items() if key not in VOLATILE}


def _capture_files(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir() if p.name != "_readme" and not p.name.endswith("_log.json")}


@pytest.mark.parametrize("capture", ["8.3.5169_with_generator", "7.6.175_with_cts_3phase"])
async def test_token_device_capture_replays_to_the_same_reading(capture: str, tmp_path: Path) -> None:
    source_dir = CAPTURES / capture
    out = tmp_path / "capture"
    async with SimulatedEnvoy(ReplaySource(source_dir)) as envoy:
        token = envoy.mint_token()
        result = await invoke_async(["capture", envoy.url, str(out)], env={"IQGATEWAY_TOKEN": token})
        original = await _read(envoy.url, token=token)
    assert result.exit_code == 0, result.output
    assert token not in result.output
    # "N of M endpoints answered" counts the endpoints the device has: 404s are named apart
    codes = [json.loads(log.read_text())["code"] for log in out.glob("*_log.json")]
    absent = codes.count(404)
    answered = len(codes) - absent
    assert absent > 0
    said = (f"{answered} of {len(CAPTURE_PATHS) - absent} endpoints answered ({absent} more not on this device: "
            "HTTP 404)")
    assert f"Captured into {out}: {said}" in " ".join(result.stdout.split())
    assert f"{said}." in (out / "_readme").read_text()

    # Every endpoint the device had is in the capture, byte for byte, with its status code.
    wanted = {file_name(path) for path in CAPTURE_PATHS}
    for name in sorted(_capture_files(source_dir) & wanted):
        assert (out / name).read_bytes() == redact_body((source_dir / name).read_bytes()), name
        theirs = json.loads((source_dir / f"{name}_log.json").read_text())
        ours = json.loads((out / f"{name}_log.json").read_text())
        assert ours["code"] == theirs["code"], name
        assert isinstance(ours["duration_seconds"], float)
        assert ours["headers"]["Content-Length"] == str((out / name).stat().st_size)
    # Anything else answered 200 only where the replay serves a stand-in file (ENVOY-API.md "Captures").
    bodies = {redact_body((source_dir / name).read_bytes()) for name in _capture_files(source_dir)}
    for name in sorted(_capture_files(out) - _capture_files(source_dir)):
        if json.loads((out / f"{name}_log.json").read_text())["code"] == 200:
            assert (out / name).read_bytes() in bodies, name
    for path in out.iterdir():
        assert token.encode() not in path.read_bytes(), path.name

    async with SimulatedEnvoy(ReplaySource(out)) as replayed:
        again = await _read(replayed.url, token=replayed.mint_token())
    assert again == original
    ref = json.loads((REFS_PYENPHASE / f"{capture}.json").read_text())
    assert again["serial"] == ref["serial"]
    # One unit: the reference rounds to whole watts.
    assert again["production"]["watts_now"] == pytest.approx(ref["production"]["watts_now"], abs=1)
    assert again["production"]["wh_lifetime"] == pytest.approx(ref["production"]["wh_lifetime"], abs=1)


async def test_digest_device_capture_replays_to_the_same_reading(tmp_path: Path) -> None:
    source_dir = CAPTURES / "5.0.62"
    serial = ReplaySource(source_dir).serial
    password = installer_password(serial)
    out = tmp_path / "capture"
    async with SimulatedEnvoy(ReplaySource(source_dir)) as envoy:
        args = ["capture", envoy.url, str(out), "--username", "installer"]
        result = await invoke_async(args, env={"IQGATEWAY_PASSWORD": password})
        original = await _read(envoy.url, username="installer", password=password)
    assert result.exit_code == 0, result.output
    assert password not in result.output
    assert (out / "info").read_bytes() == (source_dir / "info").read_bytes()
    async with SimulatedEnvoy(ReplaySource(out)) as replayed:
        again = await _read(replayed.url, username="installer", password=password)
    assert again == original
    ref = json.loads((REFS_PYENPHASE / "5.0.62.json").read_text())
    assert again["production"]["wh_lifetime"] == pytest.approx(ref["production"]["wh_lifetime"], abs=1)


def test_redaction_removes_tokens_cookies_passwords_and_emails() -> None:
    jwt = ".".join(["eyJhbGciOiJFUzI1NiJ9", "eyJhdWQiOiIxMjM0NTYifQ", "c2lnbmF0dXJlLXBhcnQ"])
    body = (
        b'{"user":"owner@example.com","password":"hunter2-secret","auth_token":"' + jwt.encode()
        + b'","sn":"122302045041","note":"call installer@enphase.example.org"}'
    )
    clean = redact_body(body, ("hunter2-secret",))
    assert b"example.com" not in clean
    assert b"enphase.example.org" not in clean
    assert b"hunter2" not in clean
    assert jwt.encode() not in clean
    assert b'"sn":"122302045041"' in clean  # serials may stay
    assert json.loads(clean)["password"] == "REDACTED"
    headers = redact_headers({"Set-Cookie": "sessionId=abcdef; Path=/", "Content-Type": "application/json"})
    assert headers == {"Set-Cookie": "REDACTED", "Content-Type": "application/json"}


async def test_capture_of_unreachable_host_fails_in_one_line(tmp_path: Path, unused_tcp_port: int) -> None:
    result = await invoke_async(["capture", f"http://127.0.0.1:{unused_tcp_port}", str(tmp_path / "c")])
    assert result.exit_code == 5
    assert "Traceback" not in result.output
    where = f"127.0.0.1:{unused_tcp_port} /info"
    assert result.stderr == f"iqgateway: {where}: cannot connect over http (connection refused)\n"


def test_capture_into_a_file_path_fails_in_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    result = invoke(["capture", "127.0.0.1:1", str(blocker / "capture")])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.stderr == f"iqgateway: {blocker / 'capture'}: cannot create the folder (not a directory)\n"


def test_redaction_removes_every_authorization_value_and_url_userinfo() -> None:
    body = (b'{"headers": {"Authorization": "Bearer opaque-token-123456"}, "log": "Authorization: Basic '
            b'aW5zdGFsbGVyOnNlY3JldA==\\r\\nProxy-Authorization: Digest username=installer", '
            b'"callback": "https://bob:pa55word@cloud.example/x", "raw": "sent Bearer abcdefghij1234 again"}')
    clean = redact_body(body)
    for secret in (b"opaque-token-123456", b"aW5zdGFsbGVyOnNlY3JldA==", b"username=installer", b"pa55word",
                   b"bob:", b"abcdefghij1234"):
        assert secret not in clean, secret
    assert b'"Authorization": "REDACTED"' in clean
    assert b'"callback": "https://' in clean
    assert b'"sn"' not in clean  # nothing else was touched
    headers = redact_headers({"Authorization": "Bearer x", "X-Forwarded-Authorization": "Bearer opaque-value-77",
                              "Location": "http://u:p4ss@host/"})
    assert headers["Authorization"] == "REDACTED"
    assert "opaque-value-77" not in headers["X-Forwarded-Authorization"]
    assert "p4ss" not in headers["Location"]
