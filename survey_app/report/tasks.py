"""The report's task list: each page's state from its saved answers and its validation.

A page is
- *not started* until it has been saved once (a page never saved is not done, even if
  it has no required question: the coordinator has not looked at it);
- *completed* when it is saved and validates (every required answer there, every value
  valid, every rule of the page true) — exactly what submitting requires of it;
- *in progress* when it is saved and its only problems are questions left unanswered;
- *has errors* when it is saved and a value typed into it is invalid or breaks a rule;
- *not relevant* when its condition hides it: it is not counted and needs nothing.

"Continue" goes to the first relevant page that is not completed, or to the summary.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from forms.answers import Evaluation
from forms.builder import SectionResult
from forms.model import Questionnaire, Section


class TaskState(enum.StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    HAS_ERRORS = "has_errors"
    COMPLETED = "completed"
    NOT_RELEVANT = "not_relevant"


@dataclass(frozen=True)
class Task:
    section: Section
    state: TaskState


@dataclass(frozen=True)
class TaskList:
    tasks: list[Task]

    @property
    def counted(self) -> list[Task]:
        return [t for t in self.tasks if t.state != TaskState.NOT_RELEVANT]

    @property
    def done(self) -> int:
        return sum(t.state == TaskState.COMPLETED for t in self.tasks)

    @property
    def total(self) -> int:
        return len(self.counted)

    @property
    def first_unfinished(self) -> Section | None:
        """The first page that needs the coordinator, or None when every page is done."""
        return next((t.section for t in self.counted if t.state != TaskState.COMPLETED), None)


def _typed(data: Mapping[str, list[str]], key: str) -> bool:
    """Whether anything was typed into the field `key` (or, for a matrix or a table,
    into one of its rows or cells: `key-…`)."""
    return any(value.strip() for name, values in data.items()
               if name == key or name.startswith(f"{key}-") for value in values)


def _state(result: SectionResult | None, data: Mapping[str, list[str]] | None) -> TaskState:
    if data is None:
        return TaskState.NOT_STARTED
    if result is None or result.ok:
        return TaskState.COMPLETED
    # An error on a field with nothing in it is a question not answered yet (required);
    # an error where something was typed is a wrong value or a broken rule.
    if any(_typed(data, key) for key in result.errors):
        return TaskState.HAS_ERRORS
    return TaskState.IN_PROGRESS


def task_list(questionnaire: Questionnaire, evaluation: Evaluation,
              saved: Mapping[str, Mapping[str, list[str]]]) -> TaskList:
    """Every page of the questionnaire in order, with its state (see the module)."""
    tasks = []
    for section in questionnaire.sections:
        if section.id in evaluation.skipped:
            tasks.append(Task(section, TaskState.NOT_RELEVANT))
        else:
            tasks.append(Task(section, _state(evaluation.results.get(section.id),
                                              saved.get(section.id))))
    return TaskList(tasks)
