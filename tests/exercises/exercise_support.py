"""Shared pieces of the exercise tests: notebook 10's scalar autodiff node, and the four standard verdict tests.

`Value` is the part of notebook 10's micrograd-style node that its checkers call, so a checker can be tested
without running the notebook. `standard_checker_tests(CASES)` returns the four tests every transfer exercise
gets, for a dict {name: (checker, reference answer, [typical wrong answers])}; a test module assigns them to
module-level names so pytest collects them.
"""

from __future__ import annotations

import pytest


class Value:
    """Notebook 10's scalar autodiff node, reduced to multiplication and the reverse walk."""

    def __init__(self, data, parents=()):
        self.data, self.grad, self._parents = float(data), 0.0, parents
        self._backward = lambda: None

    def __mul__(self, other):
        out = Value(self.data * other.data, (self, other))

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def backward(self):
        order, seen = [], set()

        def visit(v):
            if id(v) not in seen:
                seen.add(id(v))
                for p in v._parents:
                    visit(p)
                order.append(v)

        visit(self)
        self.grad = 1.0
        for v in reversed(order):
            v._backward()


def standard_checker_tests(cases):
    """The reference passes; None and the student template read "not attempted"; each wrong answer fails."""

    @pytest.mark.parametrize("name", cases)
    def test_reference_answer_passes(name):
        check, answer, _ = cases[name]
        assert check(answer).passed

    @pytest.mark.parametrize("name", cases)
    def test_none_reads_not_attempted(name):
        check, _, _ = cases[name]
        result = check(None)
        assert result.status == "not attempted yet" and not result.passed

    @pytest.mark.parametrize("name", cases)
    def test_template_reads_not_attempted(name):
        check, _, _ = cases[name]

        def template(*args):
            raise NotImplementedError()

        assert check(template).status == "not attempted yet"

    @pytest.mark.parametrize(("name", "wrong"), [(n, w) for n, (_, _, ws) in cases.items() for w in ws],
                             ids=lambda x: getattr(x, "__name__", x))
    def test_typical_wrong_answers_fail(name, wrong):
        check, _, _ = cases[name]
        result = check(wrong)
        assert result.status == "fail", (wrong.__name__, str(result))

    return (test_reference_answer_passes, test_none_reads_not_attempted, test_template_reads_not_attempted,
            test_typical_wrong_answers_fail)
