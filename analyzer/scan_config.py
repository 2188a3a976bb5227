"""Scan options in the policy file: the `scan:` section of residency.yaml (like .checkov.yaml or
trivy.yaml). Validated by pydantic with the policy (errors name file, line and key); a flag on
the command line replaces the file's value for that option. Paths in the section are relative to
the policy file's folder."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ScanConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    var_files: list[str] = Field(default_factory=list, description="Terraform -var-file, in order")
    vars: list[str] = Field(default_factory=list, description="Terraform -var NAME=VALUE (after the var files)")
    values: list[str] = Field(default_factory=list, description="Helm values files, in order")
    set: list[str] = Field(default_factory=list, description="Helm --set K=V")
    set_string: list[str] = Field(default_factory=list)
    set_json: list[str] = Field(default_factory=list)
    set_file: list[str] = Field(default_factory=list)
    release_name: str | None = None
    namespace: str | None = None
    kube_version: str | None = None
    api_versions: list[str] = Field(default_factory=list)
    check: list[str] = Field(default_factory=list, description="rule IDs, wildcards or severities to run")
    skip_check: list[str] = Field(default_factory=list, description="rule IDs, wildcards or severities to skip")
    skip_path: list[str] = Field(default_factory=list, description="regular expressions or globs of paths to skip")
    gitignore: bool = True
    hard_fail_on: list[str] = Field(default_factory=list)
    soft_fail_on: list[str] = Field(default_factory=list)
    soft_fail: bool = False
    formats: list[str] = Field(default_factory=list, description="report formats (stdout unless outputs names a file)")
    outputs: list[str] = Field(default_factory=list, description="a file per format, in order")
    compact: bool = False
    quiet: bool = False
