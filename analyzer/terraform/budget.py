"""The evaluation budget of one Terraform root: bounded time and memory for any input.

Terraform itself would happily build `setproduct(range(1024), range(1024), range(1024))`;
the analyzer must not. `Limits` holds every bound in one frozen object. A `Budget` is the
mutable counter set of one root (created by the root module instance, shared by every
module instance under it). When a bound is hit, `BudgetExceeded` unwinds to the nearest
`evaluate_safely`, which turns it into an Unknown ("evaluation budget exceeded: ...") and
the budget keeps ONE scan error for the root at the file:line being evaluated. `try()` and
`can()` do not catch it: a fallback value would be a guess about what Terraform computes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from analyzer.models import ScanError
from analyzer.values import Unknown

BUDGET_REASON = "evaluation budget exceeded"

Where = tuple[str, int]  # (file relative to the scan root, line)


@dataclass(frozen=True, slots=True)
class Limits:
    """Every bound, far above what real configurations use: the largest root of the generated
    1,001-file estate does 1,446 steps of work with 164 instances and references nested 4
    deep; cloud-foundation-fabric's 628 steps, 21 instances, 10 deep."""

    # one list, set, tuple, map or object a function or expression produces
    max_elements: int = 100_000
    # values inside one value, counting every use of a shared value (locals doubling a list)
    max_nodes: int = 1_000_000
    # characters of one string (format widths, indent, join, replace, templates, encoders)
    max_string: int = 1_000_000
    # characters of all the strings one function call produces (formatlist)
    max_text: int = 8_000_000
    # one regex call: text bytes x RE2 program size (x capture groups / 8); ~1 s at the bound
    max_regex_work: int = 300_000_000
    # aliases (*name) in one YAML document; each can repeat a whole subtree
    max_yaml_aliases: int = 10_000
    # work of one expression, its nested references excluded (they have their own)
    max_expression_work: int = 300_000
    # work of the whole root: the sum of everything above
    max_root_work: int = 2_000_000
    # `for` expression and `%{for}` iterations of one expression
    max_iterations: int = 100_000
    # instances of one resource or module block (count / for_each)
    max_block_instances: int = 10_000
    # resource and module instances of the whole root (module fan-out multiplies counts)
    max_root_instances: int = 10_000
    # steps of one evidence chain (a local used twice by the next doubles it at every step)
    max_evidence: int = 100
    # references nested inside references (local -> local -> ...), below Python's stack
    max_depth: int = 80


LIMITS = Limits()


class BudgetExceeded(ValueError):
    """A bound of `Limits` was hit; `reason` says which (shown to users)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


_REMEMBERED_FROM = 8  # smaller containers are walked again: cheaper than remembering them


class Budget:
    """Counters of one root. Work is counted per expression (its own share, references
    evaluated inside it start their own count) and for the whole root."""

    __slots__ = ("limits", "root_work", "work", "iterations", "depth", "instances", "where", "fallback", "finding",
                 "_walked")

    def __init__(self, limits: Limits = LIMITS) -> None:
        self.limits = limits
        self.root_work = 0
        self.work = 0  # of the expression being evaluated
        self.iterations = 0  # of the expression being evaluated
        self.depth = 0
        self.instances = 0
        self.where: list[Where] = []  # locations of the expressions being evaluated, innermost last
        self.fallback: Where | None = None  # the root's first file, for an evaluation with no location
        self.finding: ScanError | None = None
        # id -> (container, elements it holds) for containers already walked: a value built from
        # checked parts adds their counts instead of walking them again (same count, same
        # charge). The container is kept so its id is never reused for another object.
        self._walked: dict[int, tuple[Any, int]] = {}

    # --- expression boundaries (evaluate_safely) ---------------------------------------

    def enter(self, where: Where | None) -> tuple[int, int]:
        """Start counting a nested expression; returns what `leave` restores."""
        if self.depth >= self.limits.max_depth:
            raise BudgetExceeded(f"references are nested more than {self.limits.max_depth} deep")
        saved = (self.work, self.iterations)
        self.work = self.iterations = 0
        self.depth += 1
        if where is not None:
            self.where.append(where)
        return saved

    def leave(self, saved: tuple[int, int], where: Where | None) -> None:
        self.work, self.iterations = saved
        self.depth -= 1
        if where is not None:
            self.where.pop()

    # --- charges --------------------------------------------------------------------------

    def charge(self, units: int, what: str = "work") -> None:
        self.work += units
        self.root_work += units
        if self.work > self.limits.max_expression_work:
            raise BudgetExceeded(f"one expression needed more than {self.limits.max_expression_work:,} evaluation steps "
                                 f"(counting {what})")
        if self.root_work > self.limits.max_root_work:
            raise BudgetExceeded(f"the root needed more than {self.limits.max_root_work:,} evaluation steps")

    def iterate(self, count: int = 1) -> None:
        self.iterations += count
        if self.iterations > self.limits.max_iterations:
            raise BudgetExceeded(f"for expressions iterated more than {self.limits.max_iterations:,} times")
        self.charge(count, "iteration")

    def add_instances(self, count: int, what: str) -> None:
        if count > self.limits.max_block_instances:
            raise BudgetExceeded(f"{what} has {count:,} instances; at most {self.limits.max_block_instances:,} are expanded")
        self.instances += count
        if self.instances > self.limits.max_root_instances:
            raise BudgetExceeded(f"{what} brings the root over {self.limits.max_root_instances:,} resource and module "
                                 f"instances (count/for_each multiplied through modules)")

    def check_value(self, value: Any) -> None:
        """Reject a value holding too many elements, counting every use of a shared one."""
        limits = self.limits
        if not isinstance(value, (list, dict)) and not (isinstance(value, str) and len(value) > limits.max_string):
            self.charge(1, "walks over values")  # a scalar: what the walk below would charge
            return
        pending: list[Any] = [value]
        nodes = 0
        walked = self._walked
        while pending:
            item = pending.pop()
            if isinstance(item, list):
                known = walked.get(id(item))
                if known is not None and known[0] is item:
                    nodes += known[1]
                elif len(item) > limits.max_elements:
                    raise BudgetExceeded(f"a collection of {len(item):,} elements (at most {limits.max_elements:,})")
                else:
                    nodes += 1
                    pending.extend(item)
            elif isinstance(item, dict):
                known = walked.get(id(item))
                if known is not None and known[0] is item:
                    nodes += known[1]
                elif len(item) > limits.max_elements:
                    raise BudgetExceeded(f"a collection of {len(item):,} elements (at most {limits.max_elements:,})")
                else:
                    nodes += 1
                    pending.extend(item.values())
            else:
                nodes += 1
                if isinstance(item, str) and len(item) > limits.max_string:
                    raise BudgetExceeded(f"a string of {len(item):,} characters (at most {limits.max_string:,})")
            if nodes > limits.max_nodes:
                raise BudgetExceeded(f"a value holding more than {limits.max_nodes:,} elements")
        if nodes > _REMEMBERED_FROM:
            walked[id(value)] = (value, nodes)
        self.charge(nodes // 8 + 1, "walks over values")  # a walk costs ~1/8 of an evaluation step per value

    # --- exhaustion -------------------------------------------------------------------------

    def exceeded(self, reason: str, where: Where | None = None) -> Unknown:
        """The Unknown that replaces the expression; the first one is the root's scan error."""
        text = f"{BUDGET_REASON}: {reason}"
        location = where or (self.where[-1] if self.where else self.fallback)
        if self.finding is None and location is not None:
            file, line = location
            self.finding = ScanError(file=file, line=line, message=f"{text}; this expression is not analyzed")
        return Unknown(text)

    def errors(self) -> list[ScanError]:
        return [self.finding] if self.finding is not None else []
