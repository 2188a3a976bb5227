"""A file's Builder is freed as soon as its body is built (no reference cycle keeps the file's
bytes alive until a garbage-collector pass)."""

from __future__ import annotations

import gc
import weakref

from analyzer.hcl.cst import Builder
from analyzer.hcl.parse import _parse


def test_a_builder_is_freed_by_reference_counting_alone() -> None:
    source = b'resource "aws_s3_bucket" "b" {\n  bucket = "logs-${var.env}"\n  tags = { team = "data" }\n}\n'
    was = gc.isenabled()
    gc.disable()
    try:
        builder = Builder(source)
        blocks, _ = builder.body(_parse(source).root_node)
        gone = weakref.ref(builder)
        del builder
        assert gone() is None
        assert blocks[0].labels == ["aws_s3_bucket", "b"]
    finally:
        if was:
            gc.enable()
