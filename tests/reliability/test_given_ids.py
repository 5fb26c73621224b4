"""`jobtray add --account NAME TOKEN`: a single token is taken as given (refused only when it cannot be sent
safely, warned about when it does not look like the vendor's documented form); free text keeps its patterns."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from desktop_app.cli import commands as cli


def _run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(args), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def _account(name: str, provider: str) -> None:
    code, _, err = _run("account", "add", name, "--provider", provider, "--key-env", "JOBTRAY_TEST_KEY")
    assert code == 0, err


def _watched(data_dir: Path) -> list[str]:
    code, out, err = _run("list", "--json")
    assert code == 0, err
    return [job["job_id"] for job in json.loads(out)]


def test_an_undocumented_pdfco_id_is_added_with_a_warning(data_dir: Path) -> None:
    _account("pdf", "pdfco")
    code, out, err = _run("add", "--account", "pdf", "100QYIZQ6KZOITCT0PXUNPM6HKYSP5OIO--200-300")
    assert code == 0, err
    assert "watching 100QYIZQ6KZOITCT0PXUNPM6HKYSP5OIO--200-300" in out
    (line,) = err.splitlines()
    assert line.startswith("jobtray: warning: '100QYIZQ6KZOITCT0PXUNPM6HKYSP5OIO--200-300' does not look like")
    assert _watched(data_dir) == ["100QYIZQ6KZOITCT0PXUNPM6HKYSP5OIO--200-300"]


def test_a_documented_id_is_added_quietly(data_dir: Path) -> None:
    _account("pdf", "pdfco")
    code, _, err = _run("add", "--account", "pdf", "6YSZD3U872ZYYFEDMQCQSGEEO8YSF5WA--151-300")
    assert (code, err) == (0, "")


@pytest.mark.parametrize("token", ["pdf0:job", "user@host+1,2", "a;b=c"])
def test_opaque_scriptx_tokens_are_taken_as_given(data_dir: Path, token: str) -> None:
    _account("print", "scriptx")
    code, out, err = _run("add", "--account", "print", token)
    assert code == 0, err
    assert f"watching {token}" in out and err.startswith("jobtray: warning: ")
    assert _watched(data_dir) == [token]


@pytest.mark.parametrize(
    ("token", "reason"),
    [("", "empty"), ("a\x00b", "control"), ("a\x1b[2Jb", "control"), ("x" * 201, "longer than 200")],
)
def test_a_token_that_cannot_be_sent_is_one_clear_error(data_dir: Path, token: str, reason: str) -> None:
    _account("pdf", "pdfco")
    code, out, err = _run("add", "--account", "pdf", token)
    assert code == cli.EXIT_ERROR and out == ""
    (line,) = err.splitlines()
    assert reason in line and "\x1b" not in line and "\x00" not in line and "Traceback" not in err
    assert _watched(data_dir) == []


def test_free_text_keeps_its_careful_patterns(data_dir: Path) -> None:
    _account("pdf", "pdfco")
    text = "please check job 6YSZD3U872ZYYFEDMQCQSGEEO8YSF5WA--151-300 and pdf0:job"
    code, _, err = _run("add", "--account", "pdf", text)
    assert (code, err) == (0, "")
    assert _watched(data_dir) == ["6YSZD3U872ZYYFEDMQCQSGEEO8YSF5WA--151-300"]
    code, _, err = _run("add", "--account", "pdf", "no id in here")
    assert code == cli.EXIT_ERROR and "no pdfco job ID found" in err
