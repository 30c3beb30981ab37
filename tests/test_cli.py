"""The console front end, run as a real process: text, JSON, exit codes, bad configuration."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, SEED


@pytest.fixture(autouse=True)
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test gets its own SQLite file, so the project's var/ is never touched."""
    path = tmp_path / "bot.sqlite3"
    monkeypatch.setenv("DISPUTE_BOT_DATABASE", str(path))
    return path


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT),
           "DISPUTE_BOT_DATABASE": os.environ["DISPUTE_BOT_DATABASE"]}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        input=stdin,
        env=env,
        timeout=60,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    """Exit status 2 and one line on stderr naming what is wrong: never a traceback."""
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr


def test_ask_prints_the_discord_reply():
    result = run("ask", "is China negotiating?")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("> ")
    assert "**[1]**" in result.stdout and SEED.name in result.stdout


def test_ask_json_shape():
    result = run("ask", "--json", "Who is the Foreign Ministry spokesman?")
    assert result.returncode == 0
    data = json.loads(result.stdout)
    assert set(data) == {"question", "answered", "reply", "quotes"}
    assert data["answered"] is True
    quote = data["quotes"][0]
    assert set(quote) == {"text", "source", "title", "paragraph", "sentence", "score"}
    assert "Guo Jiakun" in quote["text"] and quote["source"] == SEED.name


def test_not_in_the_articles_is_exit_zero():
    result = run("ask", "--json", "What is the capital of France?")
    assert result.returncode == 0
    data = json.loads(result.stdout)
    assert data["answered"] is False and data["quotes"] == []
    assert "don't" in data["reply"]


def test_usage_errors_exit_two_with_one_line():
    result = run("ask", "   ")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "empty" in result.stderr
    assert_one_line_error(run("frobnicate"), "invalid choice")
    for days in ("0", "-5", "99999999999", "seven"):
        assert_one_line_error(run("stats", "--days", days), "--days")
    assert_one_line_error(run("unanswered", "--limit", "0"), "--limit")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("seeds: [unclosed\n", "invalid YAML"),
        ("seeds: seeds\nbogus: 1\n", "bogus: unknown key"),
        ("retrieval:\n  k1: fast\n", "retrieval.k1: expected a number"),
        ("retrieval:\n  variant: magic\n", "retrieval.variant"),
        ("- a list\n", "expected a mapping"),
        ("retrieval:\n  b: .nan\n", "retrieval.b: expected a finite number"),
        ("retrieval:\n  k1: .inf\n", "retrieval.k1: expected a finite number"),
        ("retrieval:\n  b: 1.5\n", "retrieval.b: expected 0 to 1"),
        ("max_article_bytes: -1\n", "max_article_bytes: expected 1 to"),
    ],
)
def test_bad_config_is_one_line_and_exit_two(tmp_path: Path, content, message):
    path = tmp_path / "knowledge.yaml"
    path.write_text(content)
    assert_one_line_error(run("--config", str(path), "ask", "hello"), str(path), message)


def test_missing_config():
    result = run("--config", "/nonexistent/knowledge.yaml", "sources")
    assert result.returncode == 2 and "file not found" in result.stderr


def test_summary_sources_and_chat():
    summary = run("summary", "--json")
    assert summary.returncode == 0 and len(json.loads(summary.stdout)["quotes"]) == 3
    long = run("summary", "--long")
    assert long.returncode == 0 and long.stdout.count("> ") > 3
    sources = run("sources")
    assert sources.returncode == 0 and "China Stands Firm" in sources.stdout
    chat = run("chat", stdin="is there a stalemate?\nwhy?\n")
    assert chat.returncode == 0 and "stalemate" in chat.stdout


def test_start_without_token_opens_the_console():
    result = run("start", stdin="who leads china?\n")
    assert result.returncode == 0
    assert "DISCORD_TOKEN is not set" in result.stderr and "Xi Jinping" in result.stdout


def test_console_questions_are_logged_and_reported():
    assert run("ask", "is China negotiating?").returncode == 0
    assert run("ask", "What is the capital of France?").returncode == 0
    stats = run("stats", "--days", "1")
    assert stats.returncode == 0 and "**Last 1 day**: 2 questions, 50% answered" in stats.stdout
    unanswered = run("unanswered")
    assert "What is the capital of France?" in unanswered.stdout


def test_index_builds_a_generation_only_when_files_change():
    first = run("index")
    assert first.returncode == 0 and first.stdout.startswith("Generation 1.")
    assert run("index").stdout.startswith("Generation 1.")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("cooldown_uses: [\n", "invalid YAML"),
        ("channels: [{id: 1, threads: maybe}]\n", "channels[0].threads: expected true or false"),
        ("log_level: LOUD\n", "log_level: expected one of"),
        ("shards: 2\n", "shards: unknown key"),
        ("cooldown_seconds: .nan\n", "cooldown_seconds: expected a finite number"),
        ("retention_days: 99999999999\n", "retention_days: expected 1 to 36500"),
        ("max_upload_bytes: 0\n", "max_upload_bytes: expected 1 to"),
    ],
)
def test_bad_bot_config_stops_the_bot_with_one_line(tmp_path: Path, content, message):
    path = tmp_path / "bot.yaml"
    path.write_text(content)
    assert_one_line_error(run("--bot-config", str(path), "run"), str(path), message)


def test_eval_lists_misses_only_when_asked_and_never_for_a_held_out_set(tmp_path: Path):
    questions = tmp_path / "q.yaml"
    questions.write_text(
        "gold_keys: {s3: Guo Jiakun}\n"
        "in_scope:\n  - {q: 'what is the capital of France', gold: [s3]}\n"
        "out_of_scope: []\n"
    )
    listed = run("eval", str(questions))  # below target: misses listed
    assert listed.returncode == 0 and "hit@1 miss" in listed.stdout
    hidden = run("eval", str(questions), "--scores-only")
    assert hidden.returncode == 0 and "hit@1" in hidden.stdout and "miss" not in hidden.stdout
    assert run("eval", str(questions), "-v", "--scores-only").returncode == 2
    # a set marked held out in its file: never listed, even when asked
    held_out = tmp_path / "held_out.yaml"
    held_out.write_text("held_out: true\n" + questions.read_text())
    kept = run("eval", str(held_out), "-v")
    assert kept.returncode == 0 and "hit@1 miss" not in kept.stdout and "held-out" in kept.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("held_out: maybe\n" + questions.read_text())
    assert_one_line_error(run("eval", str(bad)), str(bad), "held_out: expected true or false")


def _held_out_breakdown(tmp_path: Path, option: str, title: str) -> dict[str, list[str]]:
    """``eval --by-…`` on a held-out set of two questions (one answered, one refused): its
    table's rows by label, after checking that no question is shown."""
    questions = tmp_path / "held_out.yaml"
    questions.write_text(
        "held_out: true\n"
        "gold_keys: {s3: Guo Jiakun}\n"
        "in_scope:\n"
        "  - {q: 'who is the foreign ministry spokesman?', gold: [s3]}\n"
        "  - {q: 'what is the capital of France right now?', gold: [s3]}\n"
        "out_of_scope: []\n"
    )
    result = run("eval", str(questions), option)
    assert result.returncode == 0, result.stderr
    assert "capital" not in result.stdout
    lines = result.stdout.splitlines()
    table = lines[lines.index(next(x for x in lines if x.startswith(title))) + 1:]
    return {line[:14].strip(): line[14:].split() for line in table if not line.startswith("(")}


def test_eval_by_time_counts_each_kind_of_question_without_showing_one(tmp_path: Path):
    """Where a held-out set's misses are (questions of now, of a period…), told in counts."""
    rows = _held_out_breakdown(tmp_path, "--by-time", "time asked")
    assert rows == {"present": ["1", "1.000", "1.000", "0"], "now": ["1", "0.000", "0.000", "1"]}


def test_eval_by_overlap_counts_how_much_of_each_question_its_gold_says(tmp_path: Path):
    """How many of a held-out set's questions the words alone could answer, told in counts: a
    gold sentence naming the question's words; a refused question, which nothing measures."""
    rows = _held_out_breakdown(tmp_path, "--by-overlap", "gold shares")
    assert rows == {"0.35 and up": ["1", "1.000", "1.000", "0"],
                    "unmeasured": ["1", "0.000", "0.000", "1"]}


def _project_with_seeds(folder: Path, files: dict[str, bytes]) -> Path:
    """A knowledge config whose seeds folder holds ``files``; returns the config's path."""
    seeds = folder / "seeds"
    seeds.mkdir(parents=True)
    for name, content in files.items():
        (seeds / name).write_bytes(content)
    config = folder / "knowledge.yaml"
    config.write_text((ROOT / "config" / "knowledge.yaml").read_text().replace(
        "seeds: seeds", f"seeds: {seeds}"))
    return config


def test_first_run_with_no_loadable_article_is_one_line_and_exit_two(tmp_path: Path):
    config = _project_with_seeds(tmp_path, {"a.txt": b"\x00\x01binary"})
    result = run("--config", str(config), "ask", "is China negotiating?")
    assert_one_line_error(result, "knowledge base is empty", "a.txt: binary file")
    assert run("--config", str(config), "sources").returncode == 0  # says it is empty


def test_timeline_lists_dated_articles_oldest_first(tmp_path: Path):
    timeline = ROOT / "tests" / "data" / "timeline"
    files = {p.name: p.read_bytes() for p in timeline.iterdir() if p.suffix in {".txt", ".md", ".yaml"}}
    config = _project_with_seeds(tmp_path, files)
    text = run("--config", str(config), "timeline")
    assert text.returncode == 0, text.stderr
    assert text.stdout.index("**11 Apr 2025**") < text.stdout.index("**6 Nov 2025**")
    data = json.loads(run("--config", str(config), "timeline", "--json").stdout)
    assert [d["date"] for d in data] == sorted(d["date"] for d in data) and len(data) == 10
    sources = json.loads(run("--config", str(config), "sources", "--json").stdout)
    assert sources[0]["source"] == "090_november_implementation.md"
    assert sources[0]["date"] == "2025-11-06" and sources[0]["date_inferred"] is True


def test_a_too_long_question_gets_the_same_words_as_on_discord():
    result = run("ask", "is China negotiating " * 30)
    assert result.returncode == 0
    assert "That question is too long (629 characters; the limit is 500)" in result.stdout  # stripped


@pytest.mark.parametrize("fault", ["random bytes", "truncated", "a folder"])
def test_a_broken_database_is_one_line_naming_the_file(tmp_path: Path, fault):
    path = tmp_path / "broken.sqlite3"
    if fault == "a folder":
        path.mkdir()
    elif fault == "random bytes":
        path.write_bytes(os.urandom(8192))
    else:
        assert run("--database", str(path), "ask", "is China negotiating?").returncode == 0
        path.write_bytes(path.read_bytes()[:3000])
        for extra in tmp_path.glob("broken.sqlite3-*"):  # WAL and shared memory
            extra.unlink()
    for command in (["ask", "is China negotiating?"], ["stats"], ["sources"]):
        assert_one_line_error(run("--database", str(path), *command), str(path))


def _without_root_override() -> list[str]:
    """A prefix that runs a command as root *without* the right to ignore file permissions
    (CAP_DAC_OVERRIDE), so a read-only file is read-only for it; [] when we are not root."""
    import shutil

    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("setpriv (util-linux) is needed to drop root's permission override")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search"]


@pytest.mark.parametrize("read_only", ["file", "folder", "both"])
def test_a_read_only_database_is_one_line_naming_the_file(tmp_path: Path, read_only: str):
    folder = tmp_path / "db"
    folder.mkdir()
    path = folder / "bot.sqlite3"
    assert run("--database", str(path), "stats").returncode == 0  # a good database
    for extra in folder.glob("bot.sqlite3-*"):
        extra.unlink()
    if read_only in ("file", "both"):
        path.chmod(0o444)
    if read_only in ("folder", "both"):
        folder.chmod(0o555)
    prefix = _without_root_override()
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "DISPUTE_BOT_DATABASE": str(path)}
    try:
        for command in (["ask", "is China negotiating?"], ["stats"], ["sources"]):
            result = subprocess.run(
                [*prefix, sys.executable, "-m", "bot", *command],
                cwd=ROOT, capture_output=True, text=True, env=env, timeout=60,
            )
            if result.returncode == 0:  # SQLite could still read it: fine, if it said nothing
                assert result.stderr == "" and command != ["ask", "is China negotiating?"]
                continue
            assert_one_line_error(result, str(path))
            assert "readonly" in result.stderr or "read-only" in result.stderr or (
                "unable to open" in result.stderr
            )
    finally:
        folder.chmod(0o755)
        path.chmod(0o644)


def test_a_reader_that_stops_early_gets_no_traceback():
    """`python -m bot explain … | head -2`: the pipe closes before the rest is written."""
    import fcntl

    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT),
           "DISPUTE_BOT_DATABASE": os.environ["DISPUTE_BOT_DATABASE"]}
    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, 1031, 4096)  # F_SETPIPE_SZ: a page, less than the output
    os.close(read_end)  # the reader is gone before the first line
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "explain", "is China negotiating?", "--top", "200",
         "--seeds", str(ROOT / "tests" / "data" / "timeline")],
        cwd=ROOT, env=env, stdout=write_end, stderr=subprocess.PIPE,
    )
    os.close(write_end)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 141
    assert b"Traceback" not in stderr and b"BrokenPipe" not in stderr
