"""Read ONA survey answers ("whom do you go to for advice?") as directed ties."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from peerweave.errors import Problem, ValidationError
from peerweave.ingest.report import TiesLoad
from peerweave.ingest.tabular import read_table, rename_columns, require_columns
from peerweave.ingest.ties import assemble_ties, normalise_kind, parse_weights
from peerweave.org.schema import ROW, parse_date

__all__ = ["SURVEY_ALIASES", "SURVEY_COLUMNS", "read_survey"]

#: Columns of a survey answer file, one row per colleague named (long format).
SURVEY_COLUMNS: tuple[str, ...] = (
    "respondent",
    "question",
    "colleague",
    "strength",
    "window_start",
    "window_end",
)
#: Common header spellings (``header_key`` form) of the survey columns.
SURVEY_ALIASES: dict[str, str] = {
    **dict.fromkeys(
        ["respondent_id", "ego", "rater", "from", "source", "employee", "employee_id"],
        "respondent",
    ),
    **dict.fromkeys(["item", "prompt", "relation", "network", "question_id", "kind"], "question"),
    **dict.fromkeys(
        ["colleague_id", "alter", "nominee", "named", "answer", "to", "target", "peer"],
        "colleague",
    ),
    **dict.fromkeys(["weight", "frequency", "score", "value", "rating"], "strength"),
    **dict.fromkeys(["answered_at", "submitted_at", "date"], "window_start"),
}


def read_survey(
    path: str | Path,
    *,
    people: pd.DataFrame | None = None,
    strict: bool = False,
    mapping: Mapping[str, str] | None = None,
    question: str | None = None,
    sheet: str | None = None,
    encoding: str | None = None,
) -> TiesLoad:
    """Read survey answers ``respondent, question, colleague[, strength]`` as ties.

    Each row is one colleague a respondent named for one question: a directed tie
    respondent → colleague whose kind is the question, normalised (``"Advice"`` →
    ``advice``, ``"go to for help"`` → ``go_to_for_help``) and whose weight is the
    strength (default 1; must be a number above 0). A row with an empty colleague means
    the respondent named no one: they count as a respondent, with no tie. Respondents
    and colleagues resolve against ``people`` by id or email; unknown ones are created
    (or refused with ``strict=True``).

    Parameters
    ----------
    path : str or Path
        CSV/TSV, XLSX, Parquet or JSON Lines file in long format.
    people : DataFrame, optional
        Known people (``person_id``, optionally ``email``).
    strict : bool
        Refuse respondents and colleagues who are not known people.
    mapping : Mapping[str, str], optional
        ``{"Header in file": "colleague"}`` for headers the aliases do not cover.
    question : str, optional
        The question of every row when the file has no question column.

    Returns
    -------
    TiesLoad
        Ties (kind = question) and a report counting ``respondents`` and
        ``answers_<question>`` for each question.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "survey.csv"
    >>> _ = p.write_text("respondent,question,colleague,strength\\n"
    ...                  "P1,Advice,P2,3\\nP1,Advice,P3,\\nP2,Advice,,\\nP2,Coaching,P1,2\\n")
    >>> load = read_survey(p)
    >>> load.ties[["source", "target", "kind", "weight"]].values.tolist()
    [['P1', 'P2', 'advice', 3.0], ['P1', 'P3', 'advice', 1.0], ['P2', 'P1', 'coaching', 2.0]]
    >>> {k: v for k, v in load.report.counts.items() if k.startswith(("resp", "answers"))}
    {'respondents': 2, 'answers_advice': 2, 'answers_coaching': 1, 'answers_naming_no_one': 1}
    """
    table = read_table(path, sheet=sheet, encoding=encoding)
    frame = rename_columns(table, canonical=SURVEY_COLUMNS, aliases=SURVEY_ALIASES, mapping=mapping)
    headers = {str(a): str(b) for a, b in zip(frame.columns, table.frame.columns, strict=True)}
    required = ["respondent", "colleague"] + ([] if question else ["question"])
    require_columns(frame, required, source=table.source)
    if "question" not in frame.columns:
        frame["question"] = question
        headers["question"] = "question"
    rows = frame[ROW].to_numpy()
    problems: list[Problem] = []
    text = {c: frame[c].astype("string").str.strip().fillna("") for c in [*required, "question"]}
    for col, fix in (
        ("respondent", "write the respondent's id or email, or delete the row"),
        ("question", "write the question (e.g. advice), or pass question= for the whole file"),
    ):
        problems += [
            Problem(f"{col} is empty", row=int(r), column=headers[col], fix=fix)
            for r in rows[(text[col] == "").to_numpy()]
        ]
    strength = (
        parse_weights(frame["strength"], column=headers["strength"], rows=rows, problems=problems)
        if "strength" in frame.columns
        else pd.Series(1.0, index=frame.index)
    )
    windows = {
        col: parse_date(frame[col], column=headers[col], rows=rows, problems=problems)
        for col in ("window_start", "window_end")
        if col in frame.columns
    }
    if problems:
        raise ValidationError(table.source, sorted(problems, key=lambda p: p.row or 0))
    if "window_start" in windows and "window_end" not in windows:
        windows["window_end"] = windows["window_start"]  # one answer date: the window is that day
    named = (text["colleague"] != "").to_numpy()
    kinds = normalise_kind(text["question"], "answer")
    edges = pd.DataFrame(
        {
            "source": text["respondent"],
            "target": text["colleague"],
            "kind": kinds,
            "weight": strength,
            ROW: rows,
            **windows,
        }
    )[named]
    counts: dict[str, int] = {"respondents": int(text["respondent"].nunique())}
    for kind, n in kinds[named].value_counts(sort=False).items():
        counts[f"answers_{kind}"] = int(n)
    counts["answers_naming_no_one"] = int((~named).sum())
    respondents = pd.DataFrame({"person_id": text["respondent"], ROW: rows})
    return assemble_ties(
        edges,
        source=table.source,
        people=people,
        strict=strict,
        rows_read=len(frame),
        columns=(headers["respondent"], headers["colleague"]),
        nodes=respondents,
        node_column=headers["respondent"],
        counts=counts,
        notes=table.notes,
    )
