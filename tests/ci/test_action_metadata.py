"""action.yml and .pre-commit-hooks.yaml are well formed and agree with the script."""

from __future__ import annotations

import re

import yaml

from tests.ci.conftest import REPO, SCRIPT

ACTION = REPO / "action.yml"
HOOKS = REPO / ".pre-commit-hooks.yaml"


def _action() -> dict:
    return yaml.safe_load(ACTION.read_text())


def test_action_structure() -> None:
    action = _action()
    for key in ("name", "description", "inputs", "runs"):
        assert action.get(key), key
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    assert steps
    for step in steps:
        assert ("run" in step) != ("uses" in step), step
        if "run" in step:
            assert step.get("shell") == "bash", step
    inputs = action["inputs"]
    expected = {"paths": ".", "region": "", "accounts": "", "config": "", "var-files": "", "formats": "cli",
                "junit-file": "residency-junit.xml", "sarif-file": "residency.sarif", "upload-sarif": "false",
                "soft-fail": "false", "baseline": "", "python-version": None, "vars": "", "helm-values": "",
                "helm-set": "", "helm-set-string": "", "helm-release-name": "", "helm-namespace": "",
                "helm-kube-version": "", "helm-api-versions": "", "changed-from": "", "check": "", "skip-check": "",
                "skip-path": "", "hard-fail-on": "", "soft-fail-on": ""}
    assert set(expected) <= set(inputs)
    for name, default in expected.items():
        assert "description" in inputs[name], name
        if default is not None:
            assert str(inputs[name].get("default")) == default, name


def test_action_says_it_scans_terraform_and_helm() -> None:
    action = _action()
    assert "Terraform and Helm" in action["description"]
    assert "Helm charts" in action["inputs"]["paths"]["description"]


def test_action_steps_install_the_checkout_and_run_the_script() -> None:
    steps = _action()["runs"]["steps"]
    uses = [s["uses"] for s in steps if "uses" in s]
    assert any(u.startswith("actions/setup-python@") for u in uses)
    upload = next(s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif@v3"))
    assert "inputs.upload-sarif == 'true'" in upload["if"]
    runs = " ".join(s["run"] + " " + " ".join(s.get("env", {}).values()) for s in steps if "run" in s)
    assert "pip install" in runs and "github.action_path" in runs
    assert "scripts/action-run.sh" in runs
    assert SCRIPT.is_file()


def test_every_input_referenced_exists() -> None:
    action = _action()
    inputs = set(action["inputs"])
    text = ACTION.read_text()
    referenced = set(re.findall(r"inputs\.([A-Za-z0-9_-]+)", text))
    assert referenced and referenced <= inputs, referenced - inputs
    # the script reads INPUT_* variables: each is an input, and the action step passes it
    script_vars = set(re.findall(r"\bINPUT_([A-Z0-9_]+)", SCRIPT.read_text()))
    assert script_vars
    step_env = next(s for s in action["runs"]["steps"] if "action-run.sh" in s.get("run", ""))["env"]
    for var in script_vars:
        name = var.lower().replace("_", "-")
        assert name in inputs, name
        assert step_env[f"INPUT_{var}"] == f"${{{{ inputs.{name} }}}}", var
    # and no input is left unused
    assert inputs <= referenced


def test_run_steps_do_not_interpolate_inputs_into_shell() -> None:
    # inputs reach the shell through env only (no script injection through ${{ inputs.* }})
    for step in _action()["runs"]["steps"]:
        if "run" in step:
            assert "${{" not in step["run"], step["run"]


def test_pre_commit_hook() -> None:
    hooks = yaml.safe_load(HOOKS.read_text())
    [hook] = [h for h in hooks if h["id"] == "residency"]
    assert hook["name"] and hook["entry"] == "residency scan" and hook["language"] == "python"
    assert hook["pass_filenames"] is False and hook["args"] == ["."]
    pattern = re.compile(hook["files"])
    for name in ("main.tf", "infra/x.tfvars", "y.tf.json", "prod.tfvars.json",  # Terraform
                 "charts/api/Chart.yaml", "charts/api/values.yaml", "deploy/values-prod.yml",  # charts, values
                 "charts/api/templates/_helpers.tpl", "charts/api/.helmignore", "rendered/app.yaml",  # manifests
                 "plans/prod.json", "tfplan", "prod.tfplan", "residency.yaml", ".gitignore"):  # plans, policy
        assert pattern.search(name), name
    for name in ("README.md", "main.tf.bak", "tf", "src/app.py", "values.yaml.orig"):
        assert not pattern.search(name), name
