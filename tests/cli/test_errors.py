"""One error style for every command, run as the real `iqgateway` process: usage errors for bad arguments,
documented exit codes, no traceback without --debug, no secret in any output."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from iqgateway.cli import run as run_cli
from iqgateway.simulator.testing import replay_envoy, simulated_cloud
from tests.shared import free_port

from .common import Run, iqgateway

PASSWORD = "S3cretInUrl"
URL_WITH_PASSWORD = f"http://bob:{PASSWORD}@127.0.0.1:1"
RAW = re.compile(r"Traceback|Error\b|Exception|connect call|\(\'127|InvalidUrl|NaN|Errno")
ONE_LINE = re.compile(r"^iqgateway: \S.*: .+$")


def assert_one_clean_line(run: Run, *secrets: str) -> str:
    assert run.out == "", run.out
    assert len(run.lines) == 1, run.text
    text = run.lines[0]
    assert ONE_LINE.match(text), text
    assert not RAW.search(text), text
    for secret in secrets:
        assert secret not in run.text
    return text


def in_process(args: list[str], capsys: pytest.CaptureFixture[str]) -> Run:
    """The entry point's `run` in this process (what fails before any network work needs no process of its own)."""
    code = run_cli(args)
    captured = capsys.readouterr()
    return Run(code, captured.out, captured.err)


@pytest.mark.parametrize(("args", "says"), [
    (["watch", URL_WITH_PASSWORD, "-u", "x", "--once"], "give them one way"),
    (["capture", URL_WITH_PASSWORD, "-u", "x", "DIR"], "give them one way"),
    (["read", "a" * 64 + ".example", "--json"], "at most 63 characters"),
    (["watch", "127.0.0.1:99999", "--once"], "from 1 to 65535"),
    (["simulate", "--profile", "legacy", "--port", "99999"], "99999 is not a port"),
    (["simulate", "--profile", "legacy", "--port", "-1"], "-1 is not a port"),
    (["simulate", "--profile", "legacy", "--speed", "inf"], "finite number above 0"),
    (["discover", "--interface", "999.1.1.1"], "not an IPv4 address"),
    (["discover", "--interface", "localhost"], "not an IPv4 address"),
    (["discover", "--interface", "192.0.2.77"], "not an address of this machine"),
    (["watch", "127.0.0.1", "--interval", "inf", "--once"], "finite number of seconds"),
])
def test_bad_arguments_are_usage_errors(args: list[str], says: str, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    args = [str(tmp_path / "capture") if arg == "DIR" else arg for arg in args]
    run = in_process(args, capsys)
    assert run.code == 2, run.text
    text = assert_one_clean_line(run, PASSWORD)
    assert says in text
    assert f"(see iqgateway {args[0]} --help)" in text


async def test_userinfo_credentials_are_used_and_never_echoed() -> None:
    port = free_port()
    run = await iqgateway("watch", f"http://bob:{PASSWORD}@127.0.0.1:{port}", "--once")
    assert run.code == 5
    text = assert_one_clean_line(run, PASSWORD, "bob:")
    assert text == f"iqgateway: 127.0.0.1:{port} /info: cannot connect over http (connection refused)"


async def test_a_token_for_another_gateway_exits_3_from_every_device_command(tmp_path: Path) -> None:
    async with simulated_cloud() as cloud, replay_envoy("7.6.175_with_cts", cloud=cloud) as envoy:
        foreign = cloud.mint("999999999999")
        runs = await asyncio.gather(iqgateway("read", envoy.url, "--token", foreign),
                                    iqgateway("watch", envoy.url, "--token", foreign, "--once"),
                                    iqgateway("capture", envoy.url, "--token", foreign, str(tmp_path / "c")),
                                    iqgateway("capabilities", envoy.url, "--token", foreign))
    for run in runs:
        assert run.code == 3, run.text
        text = assert_one_clean_line(run, foreign)
        assert text == (f"iqgateway: {envoy.address}: the token is for gateway 999999999999, not for this "
                        f"gateway ({envoy.source.serial})")


async def test_firmware_below_3_9_exits_4_from_every_device_command(tmp_path: Path) -> None:
    async with replay_envoy("3.8.10") as envoy:
        envoy.upgrade_firmware("3.7.0")
        runs = await asyncio.gather(iqgateway("read", envoy.url, "-u", "installer"),
                                    iqgateway("watch", envoy.url, "-u", "installer", "--once"),
                                    iqgateway("capture", envoy.url, "-u", "installer", str(tmp_path / "c")))
    for run in runs:
        assert run.code == 4, run.text
        text = assert_one_clean_line(run)
        assert "unsupported" in text
        assert "3.7.0" in text


async def test_an_unreachable_device_exits_5_from_every_device_command(tmp_path: Path) -> None:
    port = free_port()
    address = f"127.0.0.1:{port}"
    runs = await asyncio.gather(*(iqgateway(*args) for args in (
        ["read", f"https://{address}"], ["info", f"https://{address}"],
        ["watch", f"https://{address}", "--once"], ["capture", f"https://{address}", str(tmp_path)],
        ["capabilities", f"https://{address}"])))
    for run in runs:
        assert run.code == 5, run.text
        text = assert_one_clean_line(run)
        assert text == f"iqgateway: {address} /info: cannot connect over https (connection refused)"


async def test_debug_prints_the_traceback_and_still_ends_with_the_one_line() -> None:
    async with simulated_cloud() as cloud, replay_envoy("7.6.175_with_cts", cloud=cloud) as envoy:
        foreign = cloud.mint("999999999999")
        run = await iqgateway("watch", envoy.url, "--token", foreign, "--once", "--debug")
    assert run.code == 3
    assert "Traceback (most recent call last)" in run.err
    assert run.lines[-1].startswith(f"iqgateway: {envoy.address}: the token is for gateway 999999999999")
    assert foreign not in run.text
    assert foreign.split(".")[1] not in run.text


def test_help_lists_choices_and_plain_metavars(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("read", "info", "watch", "capture", "discover", "simulate", "export"):
        run = in_process([command, "--help"], capsys)
        assert run.code == 0, run.text
        for label in ("<bool>", "<str>", "<list", "<path>", "<float>", "<int>", "TEXT", "FLOAT", "INTEGER"):
            assert label not in run.out, (command, label)
    simulate = in_process(["simulate", "--help"], capsys).out
    for shown in ("--scheme <auto|http|https>", "--auth <auto|none>", "full-us", "battery-eu", "truncate",
                  "hang", "--port PORT", "--speed FACTOR"):
        assert shown in " ".join(simulate.split()), shown
    watch = in_process(["watch", "--help"], capsys).out
    assert "--interval SECONDS" in watch
    assert "iqgateway watch [OPTIONS] {HOST}" in watch
