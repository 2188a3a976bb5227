from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "action-run.sh"


def run_action(inputs: dict[str, str], cwd: Path, summary: Path | None = None,
               output: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run scripts/action-run.sh as the composite action does: INPUT_* variables, a job summary file."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INPUT_", "GITHUB_", "RUNNER_"))}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env.update({f"INPUT_{name.upper().replace('-', '_')}": value for name, value in inputs.items()})
    if summary is not None:
        env["GITHUB_STEP_SUMMARY"] = str(summary)
    if output is not None:
        env["GITHUB_OUTPUT"] = str(output)
    return subprocess.run(["bash", str(SCRIPT)], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
