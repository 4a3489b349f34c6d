"""The CI output helpers: workflow-command escaping, Markdown, the run's summary and JSON (pure)."""

from __future__ import annotations

import io
import json
from pathlib import Path

from cruddur_ops.ci import commands, markdown
from cruddur_ops.ci.run import (
    CiEnvironment,
    RawJson,
    TaskRun,
    json_document,
    outcome_of,
    report_markdown,
)
from cruddur_ops.errors import OpsError


def test_messages_escape_percent_and_newlines_properties_also_colon_and_comma() -> None:
    assert commands.escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert commands.escape_property("a:b,c%") == "a%3Ab%2Cc%25"
    assert commands.error("bad: x,y\nhint: z", title="frontend.sync") == \
        "::error title=frontend.sync::bad: x,y%0Ahint: z"
    assert commands.warning("w", title="t:1", file="aws/cfn/a,b.yaml", line=7) == \
        "::warning title=t%3A1,file=aws/cfn/a%2Cb.yaml,line=7::w"
    assert commands.warning("w") == "::warning::w"
    assert commands.add_mask("p%w\nx") == "::add-mask::p%25w%0Ax"


def test_markdown_text_escapes_outside_code_spans_only() -> None:
    assert markdown.text("set SYNC_S3_BUCKET | run `inv env.render sync_x`") == \
        "set SYNC\\_S3\\_BUCKET \\| run `inv env.render sync_x`"
    assert markdown.text("<script>*bold*\nline") == "\\<script\\>\\*bold\\* line"
    assert markdown.text("odd ` tick") == "odd \\` tick"
    assert markdown.code("a`b") == "``a`b``"
    assert markdown.table(["a", "b"], [("`x|y`", "1")]) == "| a | b |\n|---|---|\n| `x\\|y` | 1 |"
    assert markdown.first_paths([f"p{i}" for i in range(22)]).endswith("- `p19`\n- … and 2 more")
    assert markdown.duration(3.04) == "3.0 s" and markdown.duration(125) == "2 min 5 s"


def test_report_names_task_outcome_duration_error_and_hint() -> None:
    text = report_markdown("frontend.sync", outcome="failed", seconds=1.25, sections=["body\n"],
                           warnings=["cap_x"], error="refusing to delete", hint="use `--allow-deletes`")
    assert text == ("### ❌ `inv frontend.sync`: failed in 1.2 s\n\n"
                    "**Error:** refusing to delete  \n**Hint:** use `--allow-deletes`\n\n"
                    "- ⚠️ cap\\_x\n\nbody\n\n")
    assert outcome_of(0) == "succeeded" and outcome_of(2) == "succeeded, changes present"
    assert outcome_of(130) == "interrupted" and outcome_of(1) == "failed"


def test_json_document_on_success_and_failure() -> None:
    error = OpsError("cannot reach http://u:pw@h/", hint="check it")
    assert json.loads(json_document({"a": 1}, None)) == {"a": 1}
    assert json_document(RawJson.of("[1]"), None) == "[1]"
    assert json.loads(json_document({"a": 1}, error)) == {
        "a": 1, "error": "cannot reach http://u:****@h/", "hint": "check it"}
    assert json.loads(json_document([{"link": "x"}], error)) == [{"link": "x"}]  # a result as it was
    assert json.loads(json_document(RawJson.of("[1]"), error)) == {"error": "cannot reach http://u:****@h/",
                                                                "hint": "check it"}


def _run(tmp_path: Path, *, actions: bool = True, json_mode: bool = False) -> tuple[TaskRun, list[str], Path]:
    lines: list[str] = []
    summary = tmp_path / "summary.md"
    run = TaskRun("db.migrate", CiEnvironment(annotations=actions, summary_path=summary), json_mode=json_mode,
                  annotate=lines.append)
    return run, lines, summary


def test_a_failure_is_annotated_summarised_and_masked(tmp_path: Path) -> None:
    run, lines, summary = _run(tmp_path, json_mode=True)
    run.mask("s3cr3t-value", "ab", None)  # too short to mask: would blank ordinary words
    out = io.StringIO()
    run.finish(exit_code=1, error=OpsError("login with s3cr3t-value failed", hint="rotate it"), stdout=out)
    assert lines == ["::add-mask::s3cr3t-value",
                     "::error title=db.migrate::login with **** failed%0Ahint: rotate it"]
    text = summary.read_text()
    assert "failed in" in text and "**Error:** login with \\*\\*\\*\\* failed" in text
    assert "s3cr3t-value" not in text
    assert json.loads(out.getvalue()) == {"error": "login with **** failed", "hint": "rotate it"}


def test_a_success_writes_a_summary_only_with_content_and_no_annotations_outside_actions(tmp_path: Path) -> None:
    run, lines, summary = _run(tmp_path, actions=False)
    run.warn("deletes above the cap")
    run.mask("s3cr3t-value")
    run.finish(exit_code=0)
    assert lines == [] and "⚠️ deletes above the cap" in summary.read_text()

    quiet, _, quiet_summary = _run(tmp_path / "q")
    (tmp_path / "q").mkdir()
    quiet.finish(exit_code=0)
    assert not quiet_summary.exists()


def test_environment_detection() -> None:
    assert CiEnvironment.from_environ({}) == CiEnvironment(False, None)
    assert CiEnvironment.from_environ({"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": "/s"}) == \
        CiEnvironment(True, Path("/s"))


def test_a_failure_the_task_reported_itself_is_named(tmp_path: Path) -> None:
    run, lines, summary = _run(tmp_path)
    run.error("origin parameter: AccessDenied")
    run.finish(exit_code=1)
    assert lines == ["::error title=db.migrate::origin parameter: AccessDenied"]
    assert "**Error:** origin parameter: AccessDenied" in summary.read_text()


def test_secret_values_to_mask() -> None:
    from cruddur_ops.redact import secret_values

    settings = {"SYNC_API_TOKEN": "tok-123456", "SYNC_S3_BUCKET": "site",
                "HTTPS_PROXY": "http://ops:proxy-pw@10.0.0.1:3128", "WORKERS": 16}
    assert secret_values(settings) == ["tok-123456", "proxy-pw"]
    # From the process environment the runner masks its own secrets; only URL passwords are news.
    assert secret_values(settings, whole=False) == ["proxy-pw"]


def test_every_task_reports_under_its_dotted_name() -> None:
    from cruddur_ops.entrypoints.namespace import namespace

    names = {name: getattr(namespace[name].body, "task_name", None) for name in namespace.task_names}
    assert names["frontend.sync"] == "frontend.sync" and names["db.schema-load"] == "db.schema-load"
    assert [name for name, reported in names.items() if reported != name] == []
