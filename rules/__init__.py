"""The residency rule catalog (CKV_RES_1..10), one rule per module.

This folder is also checkov's `--external-checks-dir` (see checkov_host.py). Installed, it
ships inside the analyzer distribution as `analyzer.rules`; `residency checkov-dir` prints it.
"""

from __future__ import annotations

from analyzer.rules import (
                            ckv_res_1,
                            ckv_res_2,
                            ckv_res_3,
                            ckv_res_4,
                            ckv_res_5,
                            ckv_res_6,
                            ckv_res_7,
                            ckv_res_8,
                            ckv_res_9,
                            ckv_res_10,
)
from analyzer.rules.base import Rule

RULES: tuple[Rule, ...] = tuple(
    module.RULE for module in (ckv_res_1, ckv_res_2, ckv_res_3, ckv_res_4, ckv_res_5, ckv_res_6, ckv_res_7,
                               ckv_res_8, ckv_res_9, ckv_res_10)
)
RULES_BY_ID = {rule.id: rule for rule in RULES}
