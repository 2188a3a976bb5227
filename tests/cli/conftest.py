"""The `residency` command run in-process (typer's CliRunner), as tests/test_cli.py does."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from analyzer.cli import app

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> Run:
    """cli([args...], env={...}) -> (exit code, stdout, stderr); no parse cache, no terminal."""
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("RESIDENCY_REGION", raising=False)
    monkeypatch.delenv("RESIDENCY_ACCOUNTS", raising=False)

    def run(args: list[str], env: dict[str, str] | None = None) -> tuple[int, str, str]:
        args = [str(a) for a in args]
        if args and args[0] in ("scan", "inventory", "report", "baseline", "init") and "--no-cache" not in args:
            args.append("--no-cache")
        monkeypatch.setattr(sys, "argv", ["residency", *args])  # --var/--var-file order comes from argv
        result = CliRunner().invoke(app, args, env=env)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result.exit_code, result.stdout, result.stderr

    return run


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


# a Terraform root with one bucket in the wrong region (CKV_RES_1, HIGH) and a provider region
# from a variable (so --var/--var-file change the result)
TERRAFORM = {
    "main.tf": '''terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "~> 5.0" }
  }
}

variable "region" {
  type    = string
  default = "eu-west-1"
}

provider "aws" {
  region              = var.region
  allowed_account_ids = ["111122223333"]
}

provider "aws" {
  alias               = "dr"
  region              = "eu-central-1"
  allowed_account_ids = ["111122223333"]
}

resource "aws_s3_bucket" "data" {
  bucket = "customer-data"
}

resource "aws_s3_bucket" "dr" {
  provider = aws.dr
  bucket   = "customer-data-dr"
}
''',
}
