"""Recognition outputs: the report (Markdown, HTML, charts), the contributors page, the
all-contributors export, the certificate card, and `transpub credits`."""

from __future__ import annotations

import json
import re
import struct
from datetime import date
from pathlib import Path

import pytest

from transpub.article import Project
from transpub.cli.main import main
from transpub.credits import contributions
from transpub.credits.contributions import Action, Contribution, credit
from transpub.credits.exports import (
    ExportError,
    all_contributors,
    certificate_for,
    certificate_png,
    contributors_page,
    write_all_contributors,
)
from transpub.credits.report import format_table, html, markdown, recognise, write_report
from transpub.credits.tally import parse_period

REGISTRY = """\
[[person]]
handle = "wangwu"
name_zh = "王五"
name_en = "Wang Wu"
aliases = ["wang"]
github = "wangwu"
mastodon = "@wangwu@mastodon.social"
consent = true

[[person]]
handle = "li"
name_zh = "李四"
name_en = "Li Si"
github = "lisi"
consent = true
granted = [{ tier = "reviewer", on = 2025-01-01, by = "lead" }]

[[person]]
handle = "zhao"
name_en = "Zhao Liu"
github = "zhaoliu"
consent = false
"""


def _records() -> list[Contribution]:
    out = []
    for i in range(12):  # wang: 12 accepted in September → translator
        at = f"2025-09-{1 + i:02d}T10:00:00Z"
        out.append(credit("wang", Action.TRANSLATE, "plan", f"第{i}段。", "A paragraph.", at))
        out.append(
            credit("li", Action.REVIEW, "plan", f"第{i}段。", "A paragraph.", at[:11] + "11:00:00Z")
        )
    for i in range(8):  # zhao: 8 accepted in August and September → junior, close to translator
        at = f"2025-{8 + i % 2:02d}-{1 + i:02d}T12:00:00Z"
        out.append(credit("zhao", Action.TRANSLATE, "report", f"章{i}。", "A chapter.", at))
        out.append(
            credit("li", Action.REVIEW, "report", f"章{i}。", "A chapter.", at[:11] + "13:00:00Z")
        )
    approval = credit("li", Action.APPROVE_ARTICLE, "plan", None, "", "2025-09-20T00:00:00Z")
    out.append(Contribution(**{**approval.__dict__, "source_chars": 48, "english_words": 24}))
    return sorted(out, key=lambda r: r.at)


@pytest.fixture
def project(project_dir: Path) -> Project:
    (project_dir / "contributors.toml").write_text(REGISTRY, encoding="utf-8")
    p = Project.open(project_dir)
    contributions.append(p, _records())
    return p


def test_the_tally_table_and_json(project: Project) -> None:
    rec = recognise(project, parse_period("2025-09"))
    table = format_table(rec)
    assert table.splitlines()[0] == "Recognition 2025-09: 3 contributors"
    assert re.search(r"wangwu\s+Translator ↑\s+12\s+24\s+12\s+0\s+0", table)
    assert table.splitlines()[-1].split()[0] == "total"
    data = rec.as_dict()
    assert data["promoted"] == ["wangwu"]
    assert data["close"] == ["zhao"]  # 8 of 10 accepted
    wang = next(p for p in data["people"] if p["handle"] == "wangwu")
    assert wang["roles"]["translator"] == {
        "entries": 12,
        "source_chars": 50,  # 第0段。 … 第11段。
        "words": 24,
        "articles": 1,
        "accepted": 12,
    }
    assert data["totals"]["articles_approved"] == 1


def test_the_markdown_report_names_only_those_who_consented(project: Project) -> None:
    text = markdown(recognise(project, parse_period("2025-09")))
    assert "- **Wang Wu**: Translator (译者)" in text
    assert "Zhao" not in text and "zhao" not in text
    assert "- **a volunteer #1**: 8 accepted translations, 2 more for Translator (译者)" in text
    assert "![Top contributors](charts/top.svg)" in text


def test_the_report_files_and_charts(project: Project) -> None:
    rec = recognise(project, parse_period("2025-Q3"))
    files = write_report(project, rec)
    assert files.folder == project.root / "reports" / "recognition" / "2025-Q3"
    for name, path in files.charts.items():
        svg = path.read_text(encoding="utf-8")
        assert svg.startswith("<?xml") and "<svg" in svg and len(svg) > 5000, name
        assert "<text" not in svg  # glyphs as paths: no font needed to view
    page = files.html.read_text(encoding="utf-8")
    assert page.count("<svg") == 3
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)  # no CDN, nothing remote
    assert "<script" not in page
    assert "Zhao" not in page
    before = {p: p.read_bytes() for p in [files.markdown, files.html, *files.charts.values()]}
    write_report(project, recognise(project, parse_period("2025-Q3")))
    assert {p: p.read_bytes() for p in before} == before  # the same report, byte for byte


def test_the_html_escapes_names(project_dir: Path) -> None:
    (project_dir / "contributors.toml").write_text(
        '[[person]]\nhandle = "x"\nname_en = "<b>Bold</b>"\nconsent = true\n', encoding="utf-8"
    )
    p = Project.open(project_dir)
    contributions.append(p, [credit("x", Action.TRANSLATE, "a", "甲", "A", "2025-09-01T00:00:00Z")])
    rec = recognise(p, parse_period("2025"))
    page = html(rec, {})
    assert "&lt;b&gt;Bold&lt;/b&gt;" in page and "<b>Bold" not in page


def test_the_contributors_page_is_bilingual_with_front_matter(project: Project) -> None:
    import frontmatter

    pages = contributors_page(recognise(project, parse_period("all")))
    zh, en = frontmatter.loads(pages["zh"]), frontmatter.loads(pages["en"])
    assert (zh["title"], zh["lang"], en["title"], en["lang"]) == (
        "译者与审校",
        "zh",
        "Translators and reviewers",
        "en",
    )
    assert "## Translator\n\n- [Wang Wu](https://github.com/wangwu) — 12 accepted translations" in (
        en.content
    )
    assert "[Mastodon](https://mastodon.social/@wangwu)" in en.content
    assert "## 审校\n\n- [李四](https://github.com/lisi) — 审校 20 条" in zh.content
    assert "Zhao" not in pages["en"]
    assert "and 1 more volunteer who prefers not to be named." in en.content


def test_all_contributors_export_keeps_what_is_there(project: Project, tmp_path: Path) -> None:
    rec = recognise(project, parse_period("all"))
    target = tmp_path / ".all-contributorsrc"
    target.write_text(
        json.dumps(
            {
                "projectName": "kaiyuanshe",
                "contributors": [
                    {"login": "LiSi", "name": "Li Si", "contributions": ["code"]},
                    {"login": "other", "name": "Other", "contributions": ["doc"]},
                ],
            }
        ),
        encoding="utf-8",
    )
    data = write_all_contributors(rec, target)
    assert json.loads(target.read_text(encoding="utf-8")) == data
    people = {c["login"]: c for c in data["contributors"]}
    assert set(people) == {"LiSi", "other", "wangwu"}  # zhao did not consent
    assert people["LiSi"]["contributions"] == ["code", "review"]
    assert people["wangwu"]["contributions"] == ["translation"]
    assert people["wangwu"]["profile"] == "https://github.com/wangwu"
    assert people["other"]["contributions"] == ["doc"]
    assert data["projectName"] == "kaiyuanshe"
    assert all_contributors(rec, data) == data  # running it again changes nothing
    target.write_text("{not json", encoding="utf-8")
    with pytest.raises(ExportError, match="not valid JSON"):
        write_all_contributors(rec, target)


def test_the_certificate_is_a_png_card(project: Project) -> None:
    rec = recognise(project, parse_period("2025-09"))
    cert = certificate_for(rec, "王五", date(2025, 10, 1))
    assert (cert.tier, cert.tier_zh, cert.accepted) == ("Translator", "译者", 12)
    png = certificate_png(cert, "KaiYuanShe")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (1200, 675)
    with pytest.raises(ExportError, match="has not agreed to be named"):
        certificate_for(rec, "zhao", date(2025, 10, 1))


def test_a_credited_name_outside_the_registry_matches_as_typed_otherwise(project: Project) -> None:
    """Names match without case, e-mail or extra spaces (README), registered or not."""
    at = "2025-09-25T10:00:00Z"
    contributions.append(
        project, [credit("transpub team", Action.TRANSLATE, "plan", "甲。", "A.", at)]
    )
    rec = recognise(project, parse_period("2025-09"))
    for typed in ("transpub team", "TRANSPUB TEAM", "Transpub  Team <team@example.org>"):
        with pytest.raises(ExportError, match="transpub team has not agreed to be named"):
            certificate_for(rec, typed, date(2025, 10, 1))


def test_a_certificate_for_a_name_no_one_has_offers_the_closest(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    rec = recognise(project, parse_period("2025-09"))
    with pytest.raises(ExportError, match="no contributor is called 'wangwo'") as caught:
        certificate_for(rec, "wangwo", date(2025, 10, 1))
    assert "'wangwu'" in str(caught.value) and "closest" in str(caught.value)
    assert main(["-C", str(project.root), "credits", "certificate", "nobody"]) == 2
    err = capsys.readouterr().err
    assert "no contributor is called 'nobody'" in err and "has not agreed" not in err
    assert len(err.strip().splitlines()) == 1
    assert "closest" not in err and "no known name is close to it" in err  # nothing near


def test_the_consent_hint_for_someone_unregistered_is_valid_toml(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    import tomllib

    at = "2025-09-03T09:00:00Z"
    contributions.append(
        project, [credit("transpub team", Action.TRANSLATE, "plan", "第一段。", "One.", at)]
    )
    assert main(["-C", str(project.root), "credits", "certificate", "transpub team"]) == 2
    err = capsys.readouterr().err
    assert "transpub team has not agreed to be named" in err
    toml = err[err.index("[[person]]") :]
    assert tomllib.loads(toml) == {"person": [{"handle": "transpub team", "consent": True}]}


def test_the_credits_command(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    root = str(project.root)
    assert main(["-C", root, "credits", "--period", "2025-09"]) == 0
    assert "wangwu" in capsys.readouterr().out
    assert main(["-C", root, "credits", "--period", "2025-09", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["promoted"] == ["wangwu"]
    assert main(["-C", root, "credits", "--format", "md"]) == 0
    assert capsys.readouterr().out.startswith("# Recognition report all")
    assert main(["-C", root, "credits", "report", "--period", "2025-09"]) == 0
    assert (project.root / "reports/recognition/2025-09/report.html").is_file()
    out = project.root / "cert.png"
    assert (
        main(["-C", root, "credits", "certificate", "wang", "--period", "2025", "-o", str(out)])
        == 0
    )
    assert out.read_bytes().startswith(b"\x89PNG")
    assert main(["-C", root, "credits", "grant", "wangwu", "reviewer", "--by", "li"]) == 0
    assert "wangwu: granted reviewer" in capsys.readouterr().out
    assert main(["-C", root, "credits", "--period", "2025-13"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Error: ") and "2025-Q3" in err and "Traceback" not in err
    assert main(["-C", root, "credits", "certificate"]) == 2
    assert "takes 1 argument" in capsys.readouterr().err
