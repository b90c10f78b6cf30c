"""From raw cells to typed, validated rows: parsing plus the pandera contract.

Parsing turns each raw cell into its canonical type and records the cells it cannot
read («45,5 %» → 45.5, «да» → True, 864012.0 → '864012'). The pandera contract then
checks what the types alone do not: required values, ranges and one row per key.
Every failure becomes a `Problem` that names the file, sheet, Excel row, the header as
written in the file, the value and the rule, in Russian.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
import pandera.pandas as pa

from schemas.sources import Col, Source, normalise_header
from schemas.vocabulary import VOCABULARIES, VOCABULARY_TITLES

TRUE_WORDS = {"да", "yes", "y", "true", "истина", "1", "есть", "имеется", "+", "д"}
FALSE_WORDS = {"нет", "no", "n", "false", "ложь", "0", "отсутствует", "-", "н"}

PANDAS_DTYPES = {"code": "string", "text": "string", "int": "Int64", "float": "Float64",
                 "pct": "Float64", "bool": "boolean"}
DUCKDB_TYPES = {"code": "VARCHAR", "text": "VARCHAR", "int": "BIGINT", "float": "DOUBLE",
                "pct": "DOUBLE", "bool": "BOOLEAN"}

RULE_TEXT = {
    "int": "ожидается целое число",
    "float": "ожидается число",
    "pct": "ожидается процент от 0 до 100",
    "bool": "ожидается «да» или «нет»",
    "required": "обязательное значение не заполнено",
    "unique": "повторяется строка с тем же ключом",
}


@dataclass
class Problem:
    """One finding about one cell (or one file when row is None)."""

    source: str
    file: str
    sheet: str
    row: int | None
    column: str  # header as written in the file
    value: str
    rule: str

    def message(self) -> str:
        where = f"файл «{self.file}»"
        if self.sheet:
            where += f", лист «{self.sheet}»"
        if self.row is not None:
            where += f", строка {self.row}"
        if self.column:
            where += f", столбец «{self.column}»"
        value = f": значение «{self.value}»" if self.value != "" else ""
        return f"{where}{value} — {self.rule}"


def cell_text(v: object) -> str:
    """A raw cell as the text a person sees: 5.0 from Excel is '5', None is ''."""
    if v is None:
        return ""
    if isinstance(v, float):
        if math.isnan(v):
            return ""
        if v.is_integer():
            return str(int(v))
        return repr(v)
    if isinstance(v, bool):
        return "да" if v else "нет"
    return str(v).strip()


_SPACES = str.maketrans("", "", " \u00a0\u202f\u2009")


def _numbers(text: pd.Series, pct: bool = False) -> pd.Series:
    s = text.str.translate(_SPACES).str.replace(",", ".", regex=False)
    if pct:
        s = s.str.rstrip("%")
    return pd.to_numeric(s, errors="coerce")


def parse_column(raw: pd.Series, col: Col) -> tuple[pd.Series, pd.Series, str]:
    """Typed values, a mask of unreadable non-empty cells, and the rule they broke."""
    text = raw.map(cell_text).astype("string")
    empty = text.eq("") | text.isna()
    if col.type in ("int", "float", "pct"):
        num = _numbers(text, pct=col.type == "pct")
        bad = ~empty & num.isna()
        if col.type == "int":
            bad |= num.notna() & (num % 1 != 0)
            values = num.where(~bad).round().astype("Int64")
        else:
            values = num.where(~bad).astype("Float64")
        return values, bad, RULE_TEXT[col.type]
    if col.type == "bool":
        norm = text.fillna("").str.lower().str.strip(" .")
        values = pd.Series(pd.NA, index=raw.index, dtype="boolean")
        values[norm.isin(TRUE_WORDS)] = True
        values[norm.isin(FALSE_WORDS)] = False
        bad = ~empty & values.isna()
        return values, bad, RULE_TEXT["bool"]
    if col.name in VOCABULARIES:
        vocab = VOCABULARIES[col.name]
        values = text.map(lambda t: vocab.get(normalise_header(t)) if t else None).astype("string")
        bad = ~empty & values.isna()
        return values, bad, f"неизвестное значение ({VOCABULARY_TITLES[col.name]})"
    values = text.where(~empty)
    return values, pd.Series(False, index=raw.index), ""


def pandera_schema(source: Source, present: list[str]) -> pa.DataFrameSchema:
    """The contract for the columns present in a file (required ones are always checked)."""
    columns = {}
    for c in source.columns:
        if c.name not in present:
            continue
        checks = []
        if c.min is not None:
            checks.append(pa.Check.ge(c.min))
        if c.max is not None:
            checks.append(pa.Check.le(c.max))
        columns[c.name] = pa.Column(PANDAS_DTYPES[c.type], checks=checks, nullable=not c.required)
    key = [k for k in source.key if k in present]
    return pa.DataFrameSchema(columns, unique=key or None, report_duplicates="all", strict=False)


def describe_check(check: str, col: Col | None) -> str:
    if check == "not_nullable":
        return RULE_TEXT["required"]
    if check.startswith("greater_than_or_equal_to"):
        return f"значение должно быть не меньше {_fmt(col.min)}"
    if check.startswith("less_than_or_equal_to"):
        return f"значение должно быть не больше {_fmt(col.max)}"
    if "unique" in check or "duplicate" in check:
        return RULE_TEXT["unique"]
    if check.startswith("dtype"):
        return "неверный тип значения"
    return check


def _fmt(x: float | None) -> str:
    if x is None:
        return ""
    return str(int(x)) if float(x).is_integer() else str(x).replace(".", ",")
