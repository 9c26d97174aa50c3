"""Recognition: durable credits, the people registry, fair tallies, the ladder."""

from __future__ import annotations

import os
import subprocess
from datetime import date
from pathlib import Path

import pytest

from conftest import write_article
from transpub.article import Project
from transpub.catalog import pofile
from transpub.catalog.sync import sync_article
from transpub.config import CreditsSettings, LadderSettings
from transpub.credits import contributions
from transpub.credits.contributions import Action, Contribution, credit, read
from transpub.credits.ladder import standings, tiers
from transpub.credits.people import (
    People,
    PeopleError,
    Person,
    grant_tier,
    load_people,
    read_people,
)
from transpub.credits.tally import PeriodError, Role, parse_period, previous_month, tally
from transpub.review.actions import save_entry

SETTINGS = CreditsSettings()
REGISTRY = """\
# who is who
[[person]]
handle = "wangwu"
name_zh = "王五"
name_en = "Wang Wu"
aliases = ["Wang Wu <wang@example.org>", "wwu"]
github = "wangwu"
linkedin_urn = "urn:li:person:AbC123"
mastodon = "@wangwu@mastodon.social"
bluesky = "wangwu.bsky.social"
consent = true

[[person]]
handle = "li"
name_zh = "李四"
name_en = "Li Si"
consent = false
granted = [{ tier = "reviewer", on = 2025-06-01, by = "lead" }]
"""


def rec(
    user: str,
    action: Action,
    at: str,
    entry: str = "开源社区是开放的。",
    text: str = "The open source community is open.",
    previous: str | None = None,
    article: str = "plan",
) -> Contribution:
    return credit(user, action, article, entry, text, at, previous=previous)


def people() -> People:
    return read_people_text(REGISTRY)


def read_people_text(text: str, tmp: Path | None = None) -> People:
    import tempfile

    folder = Path(tmp or tempfile.mkdtemp())
    path = folder / "contributors.toml"
    path.write_text(text, encoding="utf-8")
    return read_people(path)


# --- people ---------------------------------------------------------------------------------


def test_lookup_by_handle_name_alias_and_github_login() -> None:
    registry = people()
    for name in ("wangwu", "王五", "wang  wu", "Wang Wu <other@example.org>", "WWU"):
        found = registry.lookup(name)
        assert found is not None and found.handle == "wangwu", name
    wang = registry.lookup("wangwu")
    assert wang is not None
    assert (wang.display("en"), wang.display("zh")) == ("Wang Wu", "王五")
    assert wang.links == {
        "github": "https://github.com/wangwu",
        "linkedin": "urn:li:person:AbC123",
        "mastodon": "https://mastodon.social/@wangwu",
        "bluesky": "https://bsky.app/profile/wangwu.bsky.social",
    }
    assert registry.lookup("nobody") is None


def test_consent_is_respected_and_strangers_are_volunteers() -> None:
    registry = people()
    li = registry.lookup("李四")
    assert li is not None and not li.consent
    assert (li.display("en"), li.display("zh")) == ("a volunteer", "一位志愿者")
    stranger = registry.person("Zhao Liu <zhao@example.org>")
    assert (stranger.handle, stranger.registered, stranger.display()) == (
        "Zhao Liu",
        False,
        "a volunteer",
    )
    assert li.granted_tiers() == ["reviewer"]
    assert li.granted_tiers(date(2025, 6, 1)) == []


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('[[person]]\nhandle = "a b"\n', "needs a handle"),
        ('[[person]]\nhandle = "a"\nemail = "x"\n', "unknown key 'email'"),
        ('[[person]]\nhandle = "a"\n[[person]]\nhandle = "a"\n', "used twice"),
        (
            '[[person]]\nhandle = "a"\naliases = ["Wang"]\n[[person]]\nhandle = "b"\n'
            'name_en = "wang"\n',
            "belongs to both",
        ),
        ('[[person]]\nhandle = "a"\nconsent = "yes"\n', "consent must be true or false"),
        ('[[person]]\nhandle = "a"\nlinkedin_urn = "abc"\n', "urn:li:person"),
        ('[[person]]\nhandle = "a"\ngranted = [{ tier = "reviewer" }]\n', "tier and on"),
        ("[[person]\n", "not valid TOML"),
    ],
)
def test_registry_mistakes_name_the_file(tmp_path: Path, text: str, says: str) -> None:
    with pytest.raises(PeopleError) as caught:
        read_people_text(text, tmp_path)
    assert says in str(caught.value)
    assert "contributors.toml" in str(caught.value)


def test_granting_a_tier_keeps_the_registry_s_comments(project_dir: Path) -> None:
    (project_dir / "contributors.toml").write_text(REGISTRY, encoding="utf-8")
    project = Project.open(project_dir)
    person = grant_tier(project, "Wang Wu", "reviewer", date(2025, 9, 1), "lead")
    assert person.granted_tiers() == ["reviewer"]
    text = (project_dir / "contributors.toml").read_text(encoding="utf-8")
    assert text.startswith("# who is who\n")
    assert load_people(project).lookup("wwu") == person
    with pytest.raises(PeopleError, match="already holds"):
        grant_tier(project, "wangwu", "reviewer", date(2025, 9, 2), "lead")
    with pytest.raises(PeopleError, match="not a tier that is granted"):
        grant_tier(project, "wangwu", "translator", date(2025, 9, 2), "lead")
    newcomer = grant_tier(project, "Zhao Liu", "reviewer", date(2025, 9, 3), "lead")
    assert (newcomer.handle, newcomer.consent) == ("zhao-liu", False)


# --- periods --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2025", date(2025, 1, 1), date(2026, 1, 1)),
        ("2025-Q3", date(2025, 7, 1), date(2025, 10, 1)),
        ("2025-q4", date(2025, 10, 1), date(2026, 1, 1)),
        ("2024-02", date(2024, 2, 1), date(2024, 3, 1)),
        ("2025-07-15..2025-08-14", date(2025, 7, 15), date(2025, 8, 15)),
        ("all", None, None),
    ],
)
def test_periods(text: str, start: date | None, end: date | None) -> None:
    period = parse_period(text)
    assert (period.start, period.end) == (start, end)


@pytest.mark.parametrize("text", ["2025-13", "2025-Q5", "last month", "2025-09-30..2025-09-01"])
def test_bad_periods_say_what_is_allowed(text: str) -> None:
    with pytest.raises(PeriodError) as caught:
        parse_period(text)
    assert "2025-Q3" in str(caught.value)


def test_previous_month_and_months_of_a_period() -> None:
    assert previous_month(date(2026, 1, 15)).label == "2025-12"
    assert parse_period("2025-Q3").months([]) == ["2025-07", "2025-08", "2025-09"]
    assert parse_period("all").months(["2025-11", "2026-01"]) == ["2025-11", "2025-12", "2026-01"]


# --- tallies --------------------------------------------------------------------------------


def test_aliases_merge_into_one_person() -> None:
    records = [
        rec("Wang Wu <wang@example.org>", Action.TRANSLATE, "2025-09-01T10:00:00Z", "甲"),
        rec("王五", Action.TRANSLATE, "2025-09-02T10:00:00Z", "乙"),
        rec("wwu", Action.TRANSLATE, "2025-09-03T10:00:00Z", "丙"),
    ]
    result = tally(records, people(), parse_period("2025-09"), SETTINGS)
    assert list(result.people) == ["wangwu"]
    assert result.people["wangwu"].roles[Role.TRANSLATOR].entries == 3


def test_inflated_words_are_capped_relative_to_the_source() -> None:
    filler = "word " * 40_960  # 200 KB pasted into one short entry
    records = [rec("wang", Action.TRANSLATE, "2025-09-01T10:00:00Z", "开源社区", filler)]
    c = tally(records, people(), parse_period("2025"), SETTINGS).people["wang"]
    assert c.roles[Role.TRANSLATOR].words == 10  # max(min_words 10, 1.5 × 4 characters)
    long_source = "开" * 100
    records = [rec("wang", Action.TRANSLATE, "2025-09-01T10:00:00Z", long_source, filler)]
    c = tally(records, people(), parse_period("2025"), SETTINGS).people["wang"]
    assert c.roles[Role.TRANSLATOR].words == 150
    honest = "The open source community is open."
    records = [rec("wang", Action.TRANSLATE, "2025-09-01T10:00:00Z", "开源社区是开放的。", honest)]
    c = tally(records, people(), parse_period("2025"), SETTINGS).people["wang"]
    assert c.roles[Role.TRANSLATOR].words == 6  # not capped


def test_rewrites_and_reverts_within_a_round_are_not_counted_twice() -> None:
    a, b = "The community is open.", "Our community welcomes everyone who wants to join."
    records = [
        rec("wang", Action.TRANSLATE, "2025-09-01T10:00:00Z", text=a),
        rec("wang", Action.EDIT, "2025-09-01T10:05:00Z", text=b, previous=a),
        rec("wang", Action.EDIT, "2025-09-01T10:06:00Z", text=a, previous=b),  # reverted
        rec("li", Action.REVIEW, "2025-09-02T10:00:00Z", text=a),
        rec("zhao", Action.REVIEW, "2025-09-02T11:00:00Z", text=a),  # a second look: nothing new
    ]
    result = tally(records, people(), parse_period("2025-09"), SETTINGS)
    wang = result.people["wang"].roles[Role.TRANSLATOR]
    assert (wang.entries, wang.words, wang.source_chars, wang.articles) == (1, 4, 9, 1)
    assert result.people["li"].roles[Role.REVIEWER].entries == 1
    assert result.people["zhao"].roles[Role.REVIEWER].entries == 0
    assert wang.accepted == 1


def test_accepted_means_approved_by_someone_else_unchanged_or_with_a_small_edit() -> None:
    text = "The open source community is open to everyone."
    small = "The open-source community is open to everyone."
    big = "Everyone may join: the community is open."

    def accepted(*later: Contribution) -> int:
        first = rec("wang", Action.TRANSLATE, "2025-09-01T10:00:00Z", text=text)
        result = tally([first, *later], people(), parse_period("2025"), SETTINGS)
        return result.people["wang"].roles[Role.TRANSLATOR].accepted

    review = rec("li", Action.REVIEW, "2025-09-02T10:00:00Z")
    assert accepted(review) == 1
    assert accepted() == 0  # not reviewed
    assert accepted(rec("wang", Action.REVIEW, "2025-09-02T10:00:00Z")) == 0  # self-review
    edit_small = rec("li", Action.EDIT, "2025-09-02T10:00:00Z", text=small, previous=text)
    edit_big = rec("li", Action.EDIT, "2025-09-02T10:00:00Z", text=big, previous=text)
    assert edit_small.change is not None and edit_small.change <= 20
    assert edit_big.change is not None and edit_big.change > 20
    assert accepted(edit_small, review) == 1
    assert accepted(edit_big, review) == 0


def test_counts_land_in_the_period_of_the_action() -> None:
    records = [
        rec("wang", Action.TRANSLATE, "2025-08-31T23:59:59Z", "甲"),
        rec("wang", Action.TRANSLATE, "2025-09-01T00:00:00Z", "乙"),
        rec("li", Action.REVIEW, "2025-09-02T00:00:00Z", "甲"),
        rec("wang", Action.TRANSLATE, "2025-10-01T00:00:00Z", "丙"),
    ]
    sept = tally(records, people(), parse_period("2025-09"), SETTINGS)
    wang = sept.people["wang"]
    assert wang.roles[Role.TRANSLATOR].entries == 1
    assert wang.roles[Role.TRANSLATOR].accepted == 1  # accepted when reviewed, in September
    assert (wang.accepted_before, wang.accepted_total) == (0, 1)
    assert sept.records == 3  # October is not read
    assert set(sept.monthly) == {"2025-08", "2025-09"}
    assert sept.monthly["2025-09"][Role.REVIEWER] == 1


def test_an_article_approval_is_an_editor_s_credit_once_per_article() -> None:
    approval = credit("zhao", Action.APPROVE_ARTICLE, "plan", None, "", "2025-09-05T00:00:00Z")
    approval = Contribution(**{**approval.__dict__, "source_chars": 1000, "english_words": 700})
    again = Contribution(**{**approval.__dict__, "at": "2025-09-06T00:00:00Z"})
    editor = tally([approval, again], people(), parse_period("2025-09"), SETTINGS)
    c = editor.people["zhao"].roles[Role.EDITOR]
    assert (c.articles, c.source_chars, c.words) == (1, 1000, 700)


# --- the ladder -----------------------------------------------------------------------------


def _accepted(n: int, start_day: int = 1, user: str = "wang") -> list[Contribution]:
    out = []
    for i in range(n):
        at = f"2025-09-{start_day + i // 10:02d}T10:{i % 10:02d}:00Z"
        out.append(rec(user, Action.TRANSLATE, at, f"第{start_day}-{i}段"))
        out.append(rec("li", Action.REVIEW, at.replace("T10", "T11"), f"第{start_day}-{i}段"))
    return out


def test_promotion_to_translator_at_ten_accepted_translations() -> None:
    ladder = LadderSettings()
    nine = tally(_accepted(9), people(), parse_period("2025-09"), SETTINGS)
    [wang] = [s for s in standings(nine, people(), ladder) if s.handle == "wang"]
    assert wang.tier is not None and wang.tier.id == "junior-translator"
    assert (wang.next and wang.next.id, wang.needed, wang.close) == ("translator", 1, True)
    assert wang.promoted  # from nothing to junior translator
    ten = tally(_accepted(10), people(), parse_period("2025-09"), SETTINGS)
    [wang] = [s for s in standings(ten, people(), ladder) if s.handle == "wang"]
    assert wang.tier is not None and wang.tier.id == "translator"
    assert wang.accepted == 10 and wang.promoted
    assert wang.next is not None and wang.next.granted  # reviewer: granted, proposed at 100


def test_a_tier_reached_earlier_is_no_promotion_and_granted_tiers_count() -> None:
    records = [*_accepted(10), *_accepted(2, start_day=20)]
    records = [
        r if r.at < "2025-09-20" else Contribution(**{**r.__dict__, "at": "2025-10" + r.at[7:]})
        for r in records
    ]
    october = tally(records, people(), parse_period("2025-10"), SETTINGS)
    ranks = {s.handle: s for s in standings(october, people(), LadderSettings())}
    assert ranks["wang"].tier is not None and ranks["wang"].tier.id == "translator"
    assert not ranks["wang"].promoted and ranks["wang"].accepted == 12
    li = ranks["li"]  # granted reviewer in June, in the registry
    assert li.tier is not None and li.tier.id == "reviewer" and not li.promoted


def test_the_ladder_comes_from_the_settings(project_dir: Path) -> None:
    (project_dir / "transpub.toml").write_text(
        '[ladder]\ntiers = ["a", "b"]\nnames_en = ["A", "B"]\nnames_zh = ["甲", "乙"]\n'
        "accepted = [0, 3]\ngranted = []\n",
        encoding="utf-8",
    )
    settings = Project.open(project_dir).config.ladder
    assert [t.id for t in tiers(settings)] == ["a", "b"]
    result = tally(_accepted(3), people(), parse_period("2025-09"), SETTINGS)
    [wang] = [s for s in standings(result, people(), settings) if s.handle == "wang"]
    assert wang.tier is not None and wang.tier.id == "b" and wang.next is None


# --- credits that last ----------------------------------------------------------------------


def _git(cwd: Path, *args: str, name: str = "Maintainer") -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": name,
        "GIT_AUTHOR_EMAIL": f"{name.split()[0].lower()}@example.org",
        "GIT_COMMITTER_NAME": name,
        "GIT_COMMITTER_EMAIL": "ci@example.org",
    }
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


def _repo(project_dir: Path) -> Project:
    (project_dir / ".gitignore").write_text(".transpub/\n", encoding="utf-8")
    write_article(project_dir, "plan", "---\ntitle: 计划\n---\n\n开源社区是开放的。\n")
    project = Project.open(project_dir)
    sync_article(project, project.article("plan"))
    _git(project_dir, "init", "-q", "-b", "main")
    _git(project_dir, "add", "-A")
    _git(project_dir, "commit", "-q", "-m", "start")
    return project


def test_credits_survive_a_fresh_clone(project_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    project = _repo(project_dir)
    article = project.article("plan")
    save_entry(project, article, "开源社区是开放的。", "", "Open.", "wang", glossary=None)
    save_entry(project, article, "开源社区是开放的。", "Open.", "Open.", "li", True, glossary=None)
    _git(project_dir, "add", "-A")
    _git(project_dir, "commit", "-q", "-m", "translated")
    clone = tmp_path_factory.mktemp("clone") / "repo"
    _git(project_dir.parent, "clone", "-q", str(project_dir), str(clone))
    assert not (clone / ".transpub").exists()  # the machine-local cache did not come along
    again = Project.open(clone)
    assert read(again) == read(project)
    assert [(c.user, c.action) for c in read(again)] == [
        ("wang", Action.TRANSLATE),
        ("li", Action.REVIEW),
    ]


def test_credit_files_of_two_branches_merge_without_conflict(project_dir: Path) -> None:
    project = _repo(project_dir)
    contributions.append(project, [rec("wang", Action.TRANSLATE, "2025-09-01T10:00:00Z")])
    _git(project_dir, "add", "-A")
    _git(project_dir, "commit", "-q", "-m", "base")
    _git(project_dir, "checkout", "-q", "-b", "other")
    contributions.append(project, [rec("li", Action.REVIEW, "2025-09-02T10:00:00Z")])
    _git(project_dir, "commit", "-qam", "li")
    _git(project_dir, "checkout", "-q", "main")
    contributions.append(project, [rec("zhao", Action.EDIT, "2025-09-03T10:00:00Z")])
    _git(project_dir, "commit", "-qam", "zhao")
    _git(project_dir, "merge", "-q", "--no-edit", "other")  # union merge: no conflict
    assert sorted(c.user for c in read(project)) == ["li", "wang", "zhao"]


def test_an_outside_edit_is_credited_to_the_git_author_when_last_translator_is_stale(
    project_dir: Path,
) -> None:
    project = _repo(project_dir)
    article = project.article("plan")
    save_entry(project, article, "开源社区是开放的。", "", "Open.", "wang", glossary=None)
    _git(project_dir, "add", "-A")
    _git(project_dir, "commit", "-q", "-m", "wang")
    # Zhao edits the PO file in a text editor (Last-Translator stays "wang") and commits
    po = pofile.load(article.catalog)
    po[1].msgstr = "The open source community is open."
    pofile.save(po, article.catalog)
    _git(project_dir, "commit", "-qam", "better", name="Zhao Liu")
    sha = _git(project_dir, "rev-parse", "HEAD").strip()
    sync_article(project, article)
    last = read(project)[-1]
    assert (last.user, last.action, last.via, last.commit) == (
        "Zhao Liu",
        Action.EDIT,
        "catalog",
        sha,
    )
    # a PO editor that names its user in Last-Translator is believed, committed or not
    po = pofile.load(article.catalog)
    po[1].msgstr = "The open-source community is open."
    po.metadata["Last-Translator"] = "Qian Qi <qian@example.org>"
    pofile.save(po, article.catalog)
    sync_article(project, article)
    last = read(project)[-1]
    assert (last.user, last.commit) == ("Qian Qi", None)


def test_unregistered_names_are_counted_apart_until_an_alias_joins_them() -> None:
    records = [
        rec("Zhao Liu", Action.TRANSLATE, "2025-09-01T10:00:00Z", "甲"),
        rec("zhaoliu", Action.TRANSLATE, "2025-09-02T10:00:00Z", "乙"),
    ]
    assert len(tally(records, people(), parse_period("2025"), SETTINGS).people) == 2
    joined = People([Person("zhao", name_en="Zhao Liu", aliases=("zhaoliu",))])
    assert list(tally(records, joined, parse_period("2025"), SETTINGS).people) == ["zhao"]


def test_someone_past_a_granted_tier_s_threshold_is_ready_to_be_proposed(
    project_dir: Path,
) -> None:
    from transpub.credits.report import build, markdown

    (project_dir / "transpub.toml").write_text(
        "[ladder]\naccepted = [0, 2, 3, 50]\n", encoding="utf-8"
    )
    project = Project.open(project_dir)
    rec = build("p", _accepted(3), people(), parse_period("2025-09"), project)
    assert [s.handle for _, s in rec.eligible] == ["wang"]
    [wang] = [s for s in rec.standings if s.handle == "wang"]
    assert wang.tier is not None and wang.tier.id == "translator"  # reviewer is granted, not earned
    assert "may be proposed as Translation reviewer (审校)" in markdown(rec)
