"""`transpub post` and `transpub channels check` from the command line, including a process
killed between sending a post and recording it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from servers.linkedin_server import LinkedInServer
from servers.mastodon_server import MastodonServer
from servers.social import running
from social_project import ENV, SLUG, channel_settings, make_project

from conftest import ROOT
from transpub.article import Article, Project
from transpub.cli import main
from transpub.publish.record import PublishRecord


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[tuple[Path, LinkedInServer, MastodonServer]]:
    with running(LinkedInServer()) as li, running(MastodonServer()) as ma:
        make_project(tmp_path, channel_settings(li.url, ma.url, "http://127.0.0.1:9"))
        yield tmp_path, li, ma  # type: ignore[misc]


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_post_previews_without_tokens(
    servers: tuple[Path, LinkedInServer, MastodonServer],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root, li, _ma = servers
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    code, out, _ = _run(capsys, "-C", str(root), "post", "--channel", "linkedin")
    assert code == 0
    assert f"== {SLUG} · linkedin · preview (preview: LINKEDIN_ACCESS_TOKEN is not set)" in out
    assert "length: " in out and "/ 3000" in out and "card: https://" in out
    assert "1 preview" in out
    assert not li.posts and not (root / "articles" / SLUG / "publish.json").read_text().count(
        '"linkedin"'
    )


def test_a_dry_run_with_no_channel_enabled_previews_every_channel(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    make_project(tmp_path)  # the shipped settings: no [channels] enabled
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    code, out, err = _run(capsys, "-C", str(tmp_path), "post", "--dry-run")
    assert (code, err) == (0, "")
    for channel in ("linkedin", "mastodon", "bluesky"):
        assert f"== {SLUG} · {channel} · preview (dry run)" in out
    assert "3 preview" in out
    assert f"[channels] enabled in {tmp_path / 'transpub.toml'}" in out
    assert not PublishRecord.load(_article(tmp_path)).posts  # a dry run records nothing
    code, out, err = _run(capsys, "-C", str(tmp_path), "post")  # a real run names what to set
    assert code == 2 and "no channel selected" in err and "transpub.toml" in err
    assert "--dry-run" in err


def test_post_sends_once_and_a_second_run_sends_nothing(
    servers: tuple[Path, LinkedInServer, MastodonServer],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root, _li, ma = servers
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    code, out, _ = _run(capsys, "-C", str(root), "post", "--channel", "mastodon")
    assert code == 0 and "mastodon · posted" in out and "url: http://127.0.0.1" in out
    code, out, _ = _run(capsys, "-C", str(root), "post", "--channel", "mastodon")
    assert code == 0 and "mastodon · already" in out
    assert len(ma.statuses) == 1


def test_post_failure_is_one_line_and_exit_2(
    servers: tuple[Path, LinkedInServer, MastodonServer],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root, li, _ma = servers
    monkeypatch.setenv("LINKEDIN_ACCESS_TOKEN", "tok-SECRET-9f3")
    code, _out, err = _run(capsys, "-C", str(root), "post", "--channel", "linkedin")
    assert code == 2
    (line,) = err.strip().splitlines()
    assert line.startswith("Error: LinkedIn (image upload) refused the token (401")
    assert "renew LINKEDIN_ACCESS_TOKEN" in line and "tok-SECRET-9f3" not in err
    assert not li.posts


def test_channels_check(
    servers: tuple[Path, LinkedInServer, MastodonServer],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root, _li, _ma = servers
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("BLUESKY_APP_PASSWORD")
    code, out, _ = _run(capsys, "-C", str(root), "channels", "check")
    assert code == 0
    assert "LinkedIn: KaiYuanShe 开源社 (urn:li:organization:2414183); token active, expires" in out
    assert "Mastodon: @kaiyuanshe on http://127.0.0.1" in out
    assert "Bluesky: not configured (BLUESKY_APP_PASSWORD is not set)" in out
    monkeypatch.setenv("MASTODON_ACCESS_TOKEN", "revoked")
    code, out, _ = _run(capsys, "-C", str(root), "channels", "check", "--channel", "mastodon")
    assert code == 2 and "renew MASTODON_ACCESS_TOKEN" in out


@pytest.mark.parametrize("flag", [["--retry"], ["--confirm", "https://example.org/p/1"]])
def test_retry_or_confirm_without_an_earlier_attempt_says_so_and_sends_nothing(
    servers: tuple[Path, LinkedInServer, MastodonServer],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    flag: list[str],
) -> None:
    root, _li, ma = servers
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    code, out, _ = _run(capsys, "-C", str(root), "post", "--channel", "mastodon", *flag)
    what = flag[0].lstrip("-")
    assert f"mastodon · skipped (nothing to {what}: no attempt of mastodon is waiting" in out
    assert code == 0 and not ma.statuses and "preview" not in out
    assert "mastodon" not in PublishRecord.load(_article(root)).posts


@pytest.mark.parametrize("channel", ["linkedin", "mastodon"])
def test_a_kill_between_send_and_record_never_posts_twice(
    servers: tuple[Path, LinkedInServer, MastodonServer],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    channel: str,
) -> None:
    root, li, ma = servers
    server = li if channel == "linkedin" else ma
    server.fail("post", "hang")  # the network makes the post, the answer never comes
    env = dict(os.environ, **ENV, PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT)]))
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from transpub.cli import main; sys.exit(main())",
            "-C",
            str(root),
            "post",
            "--channel",
            channel,
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert server.hanging.wait(60), "the post never reached the server"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    article_record = PublishRecord.load(_article(root))
    assert article_record.posts[channel].status == "intent"  # recorded before sending
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    code, out, _ = _run(capsys, "-C", str(root), "post", "--channel", channel)
    assert code == 1 and f"{channel} · waiting" in out and "--confirm" in out
    assert len(server.seen("post")) == 1  # nothing sent again by itself
    if channel == "mastodon":
        # The editor retries: the same idempotency key, so the instance answers with the
        # status it made and there is still one.
        code, out, _ = _run(capsys, "-C", str(root), "post", "--channel", channel, "--retry")
        assert code == 0 and "mastodon · posted" in out
        assert len(ma.statuses) == 1
        keys = {r.headers["idempotency-key"] for r in ma.seen("post")}
        assert len(keys) == 1
    else:
        url = "https://www.linkedin.com/feed/update/urn:li:share:7000000000000000001/"
        code, out, _ = _run(capsys, "-C", str(root), "post", "--channel", channel, "--confirm", url)
        assert code == 0 and "linkedin · confirmed" in out
        assert len(li.posts) == 1
    assert PublishRecord.load(_article(root)).posts[channel].status == "posted"


def _article(root: Path) -> Article:
    return Project.open(root).article(SLUG)


def test_scheduling_needs_a_prefect_server_and_a_valid_time(
    servers: tuple[Path, LinkedInServer, MastodonServer],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root, _li, _ma = servers
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    code, _, err = _run(capsys, "-C", str(root), "post", "--at", "tomorrow")
    assert code == 2 and "--at 'tomorrow' is not a time" in err
    code, _, err = _run(capsys, "-C", str(root), "post", "--at", "2026-12-01T09:30+08:00")
    assert code == 2 and "PREFECT_API_URL is not set" in err and "`transpub deploy`" in err


def test_a_missing_thumbnail_fails_that_post_and_records_nothing(
    servers: tuple[Path, LinkedInServer, MastodonServer],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root, li, _ma = servers
    (root / "cover.png").unlink()
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    code, _, err = _run(capsys, "-C", str(root), "post", "--channel", "linkedin")
    assert code == 2 and "cannot read the thumbnail" in err and "cover.png" in err
    assert not li.posts and "linkedin" not in PublishRecord.load(_article(root)).posts
