"""Providers defined in files, end to end: the three shipped definitions against their simulators (through the same
AccountPoller as the built-ins), `jobtray provider ...` as real processes, and the issue's done-when:
`provider add cloudconvert.toml && account add cc --provider cloudconvert --key-env CC_KEY && add --account cc ID &&
watch --exit-status` follows a job at the CloudConvert simulator to its end with its result link."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop_app.core.errors import AuthError
from desktop_app.core.model import JobState, Secret
from desktop_app.core.ratelimit import parse_rate_limit
from desktop_app.engine.poller import AccountPoller, PollerSpec
from desktop_app.providers.base import ProviderConfig
from desktop_app.providers.defined import DefinedProvider, provider_class
from desktop_app.providers.defined_folder import shipped
from desktop_app.providers.definition_file import read_definition
from desktop_app.simulators import cloudconvert as cc
from desktop_app.simulators import github_actions as gh
from desktop_app.simulators import replicate as rp
from desktop_app.simulators.server import SimRequest, SimResponse, SimulatorServer, serve
from tests.conftest import subprocess_env

CC_KEY = "cc-test-key-3b9f"
RP_TOKEN = "r8_test_token_91ac"
GH_TOKEN = "ghp_testtoken0123456789"


def defined(name: str) -> type[DefinedProvider]:
    return provider_class(read_definition(shipped()[name]))


@pytest.fixture
def cloudconvert() -> Iterator[tuple[cc.CloudConvertSimulator, SimulatorServer]]:
    sim = cc.CloudConvertSimulator(CC_KEY)
    server = serve(sim)
    try:
        yield sim, server
    finally:
        server.stop()


@pytest.fixture
def replicate() -> Iterator[tuple[rp.ReplicateSimulator, SimulatorServer]]:
    sim = rp.ReplicateSimulator(RP_TOKEN)
    server = serve(sim)
    try:
        yield sim, server
    finally:
        server.stop()


@pytest.fixture
def github() -> Iterator[tuple[gh.GitHubActionsSimulator, SimulatorServer]]:
    sim = gh.GitHubActionsSimulator(GH_TOKEN, owner="octo-org", repo="hello-world")
    server = serve(sim)
    try:
        yield sim, server
    finally:
        server.stop()


def _poll_to_the_end(cls: type[DefinedProvider], config: ProviderConfig, job_ids: list[str]) -> dict[str, Any]:
    """Drive the same AccountPoller the tray and `watch` use, until every job has ended (at most 20 rounds)."""
    poller = AccountPoller(PollerSpec("acct", cls.display_name, cls, config, parse_rate_limit("1000/s")))
    poller.sync([(job_id, 0.0) for job_id in job_ids])
    last: dict[str, Any] = {}
    try:
        for _ in range(20):
            for job_id in job_ids:  # one job a request (max_batch 1), as the schedule would send them
                result = poller.check([job_id])
                assert result.error is None, result.error
                poller.settle(result)
                last.update((status.job_id, status) for status in result.statuses)
            if all(job_id in last and last[job_id].state.is_terminal for job_id in job_ids):
                break
    finally:
        poller.close()
    return last


# ---- the shipped definitions against their simulators -------------------------------------------------------------


def test_cloudconvert_jobs_reach_each_documented_ending(
    cloudconvert: tuple[cc.CloudConvertSimulator, SimulatorServer],
) -> None:
    sim, server = cloudconvert
    done = sim.add_job([cc.waiting(checks=1), cc.processing(50, checks=1), cc.finished("report.pdf")])
    broken = sim.add_job([cc.processing(checks=1), cc.error("Conversion failed: damaged input")])
    unknown = "6559c281-ed85-4728-80db-414561c631e9"
    cls = defined("cloudconvert")
    config = ProviderConfig(base_url=server.base_url, secret=Secret(CC_KEY))
    client = cls(config)
    assert [s.state for s in client.check([done])] == [JobState.QUEUED]
    (running,) = client.check([done])
    assert (running.state, running.progress) == (JobState.RUNNING, 75.0)  # the tasks' average: 100 and 50
    last = _poll_to_the_end(cls, config, [done, broken, unknown])
    assert last[done].state == JobState.SUCCEEDED
    assert last[done].result_url.startswith(server.base_url + "/files/") and last[done].result_url.endswith(
        "report.pdf"
    )
    assert (last[broken].state, last[broken].message) == (JobState.FAILED, "Conversion failed: damaged input")
    assert last[unknown].state == JobState.NOT_FOUND and "Job not found" in last[unknown].message
    with pytest.raises(AuthError, match=r"HTTP 401\): Unauthenticated"):
        cls(ProviderConfig(base_url=server.base_url, secret=Secret("wrong"))).check([done])


def test_replicate_predictions_reach_each_documented_ending(
    replicate: tuple[rp.ReplicateSimulator, SimulatorServer],
) -> None:
    sim, server = replicate
    one = sim.add_job([rp.starting(checks=1), rp.processing(checks=1), rp.succeeded()])
    many = sim.add_job([rp.succeeded(files=3)])
    text = sim.add_job([rp.succeeded(text="hello Alice")])
    oom = sim.add_job([rp.processing(checks=1), rp.failed("CUDA out of memory")])
    stopped = sim.add_job([rp.canceled()])
    cls = defined("replicate")
    config = ProviderConfig(base_url=server.base_url, secret=Secret(RP_TOKEN))
    assert cls(config).check([one])[0].state == JobState.QUEUED
    last = _poll_to_the_end(cls, config, [one, many, text, oom, stopped, "a" * 26])
    assert last[one].state == JobState.SUCCEEDED and last[one].result_url.endswith("/out-0.png")
    assert last[many].result_url.endswith("/out-0.png")  # the first of a list of files
    assert (last[text].state, last[text].result_url) == (JobState.SUCCEEDED, None)  # text output is not a link
    assert (last[oom].state, last[oom].message) == (JobState.FAILED, "CUDA out of memory")
    assert last[stopped].state == JobState.CANCELLED
    assert last["a" * 26].state == JobState.NOT_FOUND
    with pytest.raises(AuthError, match="Invalid token"):
        cls(ProviderConfig(base_url=server.base_url, secret=Secret("r8_wrong"))).check([one])


def test_github_actions_runs_reach_each_documented_ending(
    github: tuple[gh.GitHubActionsSimulator, SimulatorServer],
) -> None:
    sim, server = github
    ok = sim.add_job([gh.queued(checks=1), gh.in_progress(checks=1), gh.completed("success")])
    failed = sim.add_job([gh.completed("failure")])
    timed_out = sim.add_job([gh.completed("timed_out")])
    cancelled = sim.add_job([gh.completed("cancelled")])
    cls = defined("github_actions")
    variables = (("owner", "Octo-Org"), ("repo", "hello-world"))
    config = ProviderConfig(base_url=server.base_url, secret=Secret(GH_TOKEN), variables=variables)
    last = _poll_to_the_end(cls, config, [ok, failed, timed_out, cancelled, "4242"])
    assert last[ok].state == JobState.SUCCEEDED
    assert last[ok].result_url == f"https://github.com/octo-org/hello-world/actions/runs/{ok}"
    assert last[failed].state == last[timed_out].state == JobState.FAILED
    assert last[cancelled].state == JobState.CANCELLED
    assert last["4242"].state == JobState.NOT_FOUND
    other_repo = ProviderConfig(
        base_url=server.base_url, secret=Secret(GH_TOKEN), variables=(("owner", "octo-org"), ("repo", "other"))
    )
    assert cls(other_repo).check([ok])[0].state == JobState.NOT_FOUND  # GitHub answers 404 for a repo you cannot see
    with pytest.raises(AuthError, match="Bad credentials"):
        cls(ProviderConfig(base_url=server.base_url, secret=Secret("ghp_wrong"), variables=variables)).check([ok])


def test_the_github_request_is_what_the_documentation_shows(
    github: tuple[gh.GitHubActionsSimulator, SimulatorServer],
) -> None:
    sim, server = github
    seen: list[SimRequest] = []

    def spy(request: SimRequest) -> SimResponse:
        seen.append(request)
        return sim.handle(request)

    server._handler = spy
    run = sim.add_job([gh.in_progress()])
    variables = (("owner", "octo org/x"), ("repo", "hello-world"))
    config = ProviderConfig(base_url=server.base_url, secret=Secret(GH_TOKEN), variables=variables)
    defined("github_actions")(config).check([run])
    (request,) = seen
    assert request.path == f"/repos/octo%20org%2Fx/hello-world/actions/runs/{run}"  # one segment, escaped
    assert request.header("authorization") == f"Bearer {GH_TOKEN}"
    assert request.header("accept") == "application/vnd.github+json"
    assert request.header("x-github-api-version") == "2022-11-28"
    assert GH_TOKEN not in request.path and not request.query


# ---- jobtray provider ... as real processes -----------------------------------------------------------------------


def jobtray(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desktop_app", *args],
        capture_output=True,
        text=True,
        env=subprocess_env(**env),
        timeout=60,
    )


def test_the_done_when_follows_a_cloudconvert_job_to_its_end_with_its_result_link(
    cloudconvert: tuple[cc.CloudConvertSimulator, SimulatorServer], tmp_path: Path
) -> None:
    sim, server = cloudconvert
    job = sim.add_job([cc.waiting(checks=1), cc.processing(60, checks=1), cc.finished("output.pdf")])
    definition = tmp_path / "cloudconvert.toml"
    shutil.copyfile(shipped()["cloudconvert"], definition)
    added = jobtray("provider", "add", str(definition))
    assert added.returncode == 0, added.stderr
    assert "goes only to https://api.cloudconvert.com (or the account's --base-url)" in added.stdout
    account = jobtray(
        "account", "add", "cc", "--provider", "cloudconvert", "--key-env", "CC_KEY", "--base-url", server.base_url
    )
    assert account.returncode == 0, account.stderr
    assert jobtray("add", "--account", "cc", job).returncode == 0
    watched = jobtray("watch", "--exit-status", "--timeout", "50", CC_KEY=CC_KEY)
    assert watched.returncode == 0, watched.stdout + watched.stderr
    assert "running -> succeeded" in watched.stdout
    listed = json.loads(jobtray("list", "--json").stdout)
    (row,) = listed
    assert (row["provider"], row["state"], row["provider_status"]) == ("cloudconvert", "succeeded", "finished")
    assert row["result_url"].startswith(server.base_url + "/files/") and row["result_url"].endswith("/output.pdf")
    assert row["result_url"] in watched.stdout
    assert CC_KEY not in watched.stdout + watched.stderr


def test_a_failed_cloudconvert_job_makes_watch_exit_1(
    cloudconvert: tuple[cc.CloudConvertSimulator, SimulatorServer],
) -> None:
    sim, server = cloudconvert
    job = sim.add_job([cc.processing(checks=1), cc.error("Unsupported input format")])
    assert jobtray("provider", "add", "cloudconvert").returncode == 0  # a shipped one, by name
    assert (
        jobtray(
            "account", "add", "cc", "--provider", "cloudconvert", "--key-env", "CC_KEY", "--base-url", server.base_url
        ).returncode
        == 0
    )
    assert jobtray("add", "--account", "cc", job).returncode == 0
    watched = jobtray("watch", "--exit-status", "--timeout", "50", CC_KEY=CC_KEY)
    assert watched.returncode == 1, watched.stdout + watched.stderr
    assert "failed" in watched.stdout and "Unsupported input format" in watched.stdout


def test_github_accounts_need_their_variables_and_keep_them(
    github: tuple[gh.GitHubActionsSimulator, SimulatorServer],
) -> None:
    sim, server = github
    run = sim.add_job([gh.in_progress(checks=1), gh.completed("success")])
    assert jobtray("provider", "add", "github_actions").returncode == 0
    base = ("account", "add", "ci", "--provider", "github_actions", "--key-env", "GH", "--base-url", server.base_url)
    missing = jobtray(*base, "--var", "owner=octo-org")
    assert missing.returncode == 2 and "--var repo=..." in missing.stderr
    unknown = jobtray(*base, "--var", "owner=octo-org", "--var", "repo=hello-world", "--var", "branch=main")
    assert unknown.returncode == 2 and "no variable 'branch'" in unknown.stderr
    ok = jobtray(*base, "--var", "owner=octo-org", "--var", "repo=hello-world")
    assert ok.returncode == 0, ok.stderr
    assert jobtray("add", "--account", "ci", run).returncode == 0
    watched = jobtray("watch", "--exit-status", "--timeout", "50", GH=GH_TOKEN)
    assert watched.returncode == 0, watched.stdout + watched.stderr
    assert f"https://github.com/octo-org/hello-world/actions/runs/{run}" in watched.stdout
    edited = jobtray("account", "edit", "ci", "--var", "repo=other")
    assert edited.returncode == 0, edited.stderr
    run2 = sim.add_job([gh.completed("success")])
    assert jobtray("add", "--account", "ci", run2).returncode == 0
    lost = jobtray("poll", GH=GH_TOKEN)
    assert "not_found" in lost.stdout  # the owner was kept, the repository changed: GitHub answers 404


def test_provider_check_names_each_problem_with_its_line_and_adds_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    text = shipped()["replicate"].read_text(encoding="utf-8")
    text = text.replace('method = "GET"', 'method = "PATCH"').replace('pattern = "[a-z0-9]{26}"', 'pattern = "[a-z]+"')
    bad.write_text(text, encoding="utf-8")
    checked = jobtray("provider", "check", str(bad))
    assert checked.returncode == 2
    method_line = next(n for n, line in enumerate(text.splitlines(), 1) if "PATCH" in line)
    assert f'bad.toml:{method_line}: request.method: must be "GET" or "POST"' in checked.stderr
    assert "ids.pattern: must be bounded" in checked.stderr
    added = jobtray("provider", "add", str(bad))
    assert added.returncode == 2 and "was not added" in added.stderr
    listed = jobtray("provider", "list", "--json")
    assert "replicate" not in [row["name"] for row in json.loads(listed.stdout)["providers"]]


def test_provider_check_with_a_sample_answer_shows_what_jobtray_would_read(tmp_path: Path) -> None:
    sample = tmp_path / "answer.json"
    sample.write_text(
        json.dumps(
            {
                "id": "gm3qorzdhgbfurvjtvhg6dckhu",
                "status": "succeeded",
                "output": ["https://replicate.delivery/pbxt/out-0.png", "https://replicate.delivery/pbxt/out-1.png"],
                "error": None,
            }
        ),
        encoding="utf-8",
    )
    checked = jobtray("provider", "check", "replicate", "--answer", str(sample))
    assert checked.returncode == 0, checked.stderr
    assert "state: succeeded (the service's status: succeeded)" in checked.stdout
    assert "progress: 100 %" in checked.stdout
    assert "link: https://replicate.delivery/pbxt/out-0.png" in checked.stdout
    sample.write_text('{"status": "exploding"}', encoding="utf-8")
    odd = jobtray("provider", "check", "replicate", "--answer", str(sample))
    assert "state: running" in odd.stdout and "exploding" in odd.stdout  # unmapped = "running"


def test_provider_list_add_and_remove(cloudconvert: tuple[cc.CloudConvertSimulator, SimulatorServer]) -> None:
    _, server = cloudconvert
    before = json.loads(jobtray("provider", "list", "--json").stdout)
    assert {row["name"] for row in before["providers"]} == {"ipaper", "scriptx", "pdfco", "encodingcom"}
    assert set(before["shipped_not_added"]) == {"cloudconvert", "replicate", "github_actions"}
    assert jobtray("provider", "add", "replicate").returncode == 0
    assert (
        jobtray(
            "account", "add", "ml", "--provider", "replicate", "--key-env", "RP", "--base-url", server.base_url
        ).returncode
        == 0
    )
    after = json.loads(jobtray("provider", "list", "--json").stdout)
    (row,) = [row for row in after["providers"] if row["name"] == "replicate"]
    assert (row["kind"], row["display_name"], row["accounts"]) == ("defined", "Replicate", ["ml"])
    refused = jobtray("provider", "remove", "replicate")
    assert refused.returncode == 2 and "used by account(s) ml" in refused.stderr
    builtin = jobtray("provider", "remove", "pdfco")
    assert builtin.returncode == 2 and "built into JobTray" in builtin.stderr
    assert jobtray("account", "remove", "ml").returncode == 0
    removed = jobtray("provider", "remove", "replicate")
    assert removed.returncode == 0, removed.stderr
    assert "replicate" in json.loads(jobtray("provider", "list", "--json").stdout)["shipped_not_added"]


def test_a_definition_that_fails_at_start_disables_that_provider_alone_told_once(
    cloudconvert: tuple[cc.CloudConvertSimulator, SimulatorServer], tmp_path: Path
) -> None:
    sim, server = cloudconvert
    data = tmp_path / "data"
    assert jobtray("--data-dir", str(data), "provider", "add", "cloudconvert").returncode == 0
    assert jobtray("--data-dir", str(data), "provider", "add", "replicate").returncode == 0
    assert jobtray(
        "--data-dir", str(data), "account", "add", "cc", "--provider", "cloudconvert", "--key-env", "CC_KEY",
        "--base-url", server.base_url,
    ).returncode == 0  # fmt: skip
    broken = data / "providers" / "replicate.toml"
    broken.write_text(broken.read_text(encoding="utf-8").replace('status = "status"', 'status = "status["'))
    job = sim.add_job([cc.finished()])
    assert jobtray("--data-dir", str(data), "add", "--account", "cc", job).returncode == 0
    polled = jobtray("--data-dir", str(data), "poll", CC_KEY=CC_KEY)
    assert polled.returncode == 0, polled.stderr
    assert "succeeded" in polled.stdout  # CloudConvert still works
    warnings = [line for line in polled.stderr.splitlines() if "replicate.toml" in line]
    assert len(warnings) == 1 and "answer.status" in warnings[0] and "line" in warnings[0]
    other = jobtray("--data-dir", str(tmp_path / "elsewhere"), "provider", "list", "--json")
    assert "cloudconvert" not in [row["name"] for row in json.loads(other.stdout)["providers"]]  # a set per data dir


def test_a_definition_cannot_take_a_built_in_name_and_the_key_never_goes_in_a_url(tmp_path: Path) -> None:
    text = shipped()["cloudconvert"].read_text(encoding="utf-8")
    clash = tmp_path / "clash.toml"
    clash.write_text(text.replace('name = "cloudconvert"', 'name = "pdfco"'), encoding="utf-8")
    result = jobtray("provider", "add", str(clash))
    assert result.returncode == 2 and "built-in provider's name" in result.stderr
    leaky = tmp_path / "leaky.toml"
    leaky.write_text(text.replace("[request.key]", '[request.query]\ntoken = "{key}"\n\n[request.key]'), "utf-8")
    result = jobtray("provider", "check", str(leaky))
    assert result.returncode == 2 and "request.query.token: {key} cannot be written" in result.stderr


def test_simulate_s_line_for_a_shipped_definition_works_as_printed() -> None:
    """`jobtray simulate` serves CloudConvert too; its printed line adds the definition, then the account."""
    import os

    from desktop_app.simulators import launcher

    running = launcher.start_all(with_defined=True)
    try:
        assert list(running)[-1] == "cloudconvert"
        server, samples, credentials = running["cloudconvert"]
        line = launcher.account_add_line("cloudconvert", server.base_url, credentials)
        assert "jobtray provider add cloudconvert && " in line
        env = subprocess_env()
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"  # `jobtray` as installed
        script = f"{line} && jobtray add --account sim-cloudconvert {samples[0]} && jobtray poll"
        result = subprocess.run(["sh", "-c", script], env=env, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        assert "added provider cloudconvert" in result.stdout and "added account sim-cloudconvert" in result.stdout
    finally:
        for server, _, _ in running.values():
            server.stop()


def test_a_jobtray_link_can_name_a_defined_provider(
    cloudconvert: tuple[cc.CloudConvertSimulator, SimulatorServer],
) -> None:
    sim, server = cloudconvert
    job = sim.add_job([cc.finished()])
    link = f"jobtray://watch?provider=cloudconvert&id={job}&label=From%20the%20web"
    refused = jobtray("open", link)
    assert refused.returncode == 2 and "does not know" in refused.stderr  # not added to this data folder yet
    assert jobtray("provider", "add", "cloudconvert").returncode == 0
    assert (
        jobtray(
            "account", "add", "cc", "--provider", "cloudconvert", "--key-env", "CC_KEY", "--base-url", server.base_url
        ).returncode
        == 0
    )
    opened = jobtray("open", link)
    assert opened.returncode == 0, opened.stderr
    (row,) = json.loads(jobtray("list", "--json").stdout)
    assert (row["job_id"], row["label"], row["provider"]) == (job, "From the web", "cloudconvert")
    bad = jobtray("open", "jobtray://watch?provider=cloudconvert&id=not-a-uuid")
    assert bad.returncode == 2 and "not a CloudConvert job ID" in bad.stderr  # a link's ID must look right


XML_DEFINITION = """
name = "xmlsvc"
display_name = "XML Service"
documentation = "https://xml.example/docs/status"

[variables]
project = "the project the jobs belong to"

[request]
method = "POST"
base_url = "https://xml.example"
path = "/api/{project}/status"
form = { job = "{job_id}", format = "xml" }

[request.key]
body_field = "password"

[answer]
format = "xml"
status = "response.job.state"
progress = "response.job.progress"
message = "response.job.note"
result_link = "response.job.result.\\"@href\\""

[answer.states]
waiting = "queued"
working = "running"
ready = "succeeded"
broken = "failed"

[ids]
pattern = "[0-9]{4,10}"

[errors]
message = "response.error"
wrong_key = [403]
"""


def test_an_xml_service_with_the_key_in_a_form_body_over_http() -> None:
    """A POST form carrying the key in a body field, answered in XML read through the safe path: the request is
    what the definition says, exactly, and the answer's attribute holds the link."""
    from desktop_app.providers.definition_file import parse_definition

    seen: list[SimRequest] = []

    def handle(request: SimRequest) -> SimResponse:
        seen.append(request)
        form = request.form()
        if request.method != "POST" or request.path != "/api/my%20proj/status":
            return SimResponse.xml_body("<response><error>no such endpoint</error></response>", 404)
        if form.get("password") != ["xml-secret"]:
            return SimResponse.xml_body("<response><error>bad password</error></response>", 403)
        if form.get("job") != ["1234"] or form.get("format") != ["xml"]:
            return SimResponse.xml_body("<response><error>unknown job</error></response>", 404)
        body = '<response><job><state> ready </state><progress>100</progress><result href="https://x.example/r.zip"/></job></response>'
        return SimResponse.xml_body(body)

    server = SimulatorServer(handle).start()
    try:
        definition = parse_definition(XML_DEFINITION, "xmlsvc.toml")
        config = ProviderConfig(
            base_url=server.base_url, secret=Secret("xml-secret"), variables=(("project", "my proj"),)
        )
        (status,) = provider_class(definition)(config).check(["1234"])
        assert (status.state, status.progress, status.result_url) == (
            JobState.SUCCEEDED,
            100.0,
            "https://x.example/r.zip",
        )
        (lost,) = provider_class(definition)(config).check(["99999"])
        assert lost.state == JobState.NOT_FOUND and "unknown job" in (lost.message or "")
        wrong = ProviderConfig(base_url=server.base_url, secret=Secret("nope"), variables=(("project", "my proj"),))
        with pytest.raises(AuthError, match="bad password"):
            provider_class(definition)(wrong).check(["1234"])
        assert all("xml-secret" not in request.path and not request.query for request in seen)
        assert seen[0].header("content-type") == "application/x-www-form-urlencoded"
    finally:
        server.stop()
