"""The frontend stack's CloudFront Function: its JavaScript runs under node on sample
viewer-request events (aws/cfn/frontend/spa-routing.test.js), and the copy inlined in the
template is the tested file, byte for byte."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from cfnlint.decode import cfn_yaml

FRONTEND = Path(__file__).resolve().parents[2] / "aws" / "cfn" / "frontend"


def test_the_function_routes_sample_events_under_node() -> None:
    node = shutil.which("node")
    assert node, "node (>= 18) is needed to test aws/cfn/frontend/spa-routing.js (see README: Quick start)"
    done = subprocess.run([node, "--test", str(FRONTEND / "spa-routing.test.js")], capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    passed = re.search(r"^# pass (\d+)$", done.stdout, re.MULTILINE)
    assert passed and int(passed.group(1)) >= 4 and "# fail 0" in done.stdout, done.stdout


def test_the_template_inlines_exactly_the_tested_file() -> None:
    template = cfn_yaml.load(str(FRONTEND / "template.yaml"))
    code = template["Resources"]["SpaRoutingFunction"]["Properties"]["FunctionCode"]
    assert code == (FRONTEND / "spa-routing.js").read_text(encoding="utf-8")
