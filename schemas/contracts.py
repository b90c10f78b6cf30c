"""From raw cells to typed, validated rows: parsing plus the pandera contract.

Parsing turns each raw cell into its canonical type and records the cells it cannot
read («45,5 %» → 45.5, «да» → True, 864012.0 → '864012'). The pandera contract then
checks what the types alone do not: required values, ranges and one row per key.
Every failure becomes a `Problem` that names the file, sheet, Excel row, the header as
written in the file, the value and the rule, in Russian.
"""

from __future__ import annotations

import datetime
import functools
import math
import operator
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow
import pyarrow.compute as pc

from schemas.sources import Col, Source, normalise_header
from schemas.vocabulary import VOCABULARIES, VOCABULARY_TITLES
from schemas.cells import Formula

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
    "formula": "формула вместо значения: формулы не вычисляются — вставьте значение (Специальная вставка → Значения)",
    "excel_error": "ошибка Excel в ячейке вместо значения (формула не вычислилась) — исправьте формулу или "
                   "введите значение",
    "finite": "ожидается конечное число (бесконечность и «nan» — не числа)",
    "too_large": "число слишком большое для количества (больше 9 007 199 254 740 991) — проверьте ячейку",
    "code": "код может содержать только буквы, цифры, «-» и «_» (он становится частью имён файлов и ключей)",
}

# Codes that become keys and path segments of published objects (school, municipality).
SAFE_CODE = r"[0-9A-Za-zА-Яа-яЁё_\-]+"
# Larger whole numbers lose exactness as floats and wrap as int64: never a count.
MAX_EXACT = 2 ** 53 - 1


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
    code: str = ""  # the rule's identifier, for grouping (a check name, a cross-field rule)

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
    """A raw cell as the text a person sees: 5.0 from Excel is '5', None is '',
    a date is «01.03.2024»."""
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
    if isinstance(v, (datetime.datetime, datetime.date)):
        if isinstance(v, datetime.datetime) and (v.hour, v.minute, v.second) != (0, 0, 0):
            return v.strftime("%d.%m.%Y %H:%M")
        return v.strftime("%d.%m.%Y")
    try:
        if pd.isna(v):
            return ""
    except (TypeError, ValueError):
        pass
    return str(v).strip()


_SPACES = str.maketrans("", "", " \u00a0\u202f\u2009")
_SPACE_CHARS = "[ \u00a0\u202f\u2009]"  # the same characters, removed by one regex (in Arrow)
# A formula typed as text (a CSV cell «=HYPERLINK(…)», «=A1+1»): never evaluated, and
# never written back to XLSX as a formula either (CSV/formula injection).
_FORMULA = r"^[=@]\s*[A-Za-zА-Яа-я_][\w.]*\s*\(|^=\s*[A-Za-z]{1,3}\$?\d|^=\s*[-+]?\d"


def formula_like(values: pd.Series, col: Col) -> pd.Series:
    """Text cells of a text/code column that start with «=», «+», «-» or «@» (a spreadsheet
    would take them for a formula): stored as text, never evaluated, and flagged."""
    if col.type not in ("text", "code") or not len(values):
        return pd.Series(False, index=values.index)
    t = values.astype("string").str.strip()
    starts = t.str.match(r"^[=+\-@]").fillna(False).astype(bool)
    if not starts.any():  # the usual column: nothing to read as a number
        return starts
    numeric = pd.to_numeric(t.where(starts), errors="coerce").notna()
    return (starts & ~numeric & (t.str.len() > 1).fillna(False)).astype(bool)


def formula_like_warning(file: str, sheet: str, header: str, value: str, rows: int) -> str:
    return (f"Файл «{file}»{', лист «' + sheet + '»' if sheet else ''}, столбец «{header}»: значение «{value}» "
            f"начинается с «{value.strip()[:1]}» — сохранено как текст, не как формула; проверьте ячейку "
            f"(строк: {rows}).")


def _numbers(text: pd.Series, pct: bool = False) -> pd.Series:
    s = text.str.replace(_SPACE_CHARS, "", regex=True).str.replace(",", ".", regex=False)
    if pct:
        s = s.str.rstrip("%")
    return pd.to_numeric(s, errors="coerce")


def _as_text(raw: pd.Series) -> pd.Series:
    """Raw cells as text, vectorised: strings stripped, whole floats without «.0»,
    booleans as «да/нет», dates as «dd.mm.yyyy»; empty cells are <NA>."""
    if isinstance(raw.dtype, pd.StringDtype) or raw.dtype == object and len(raw) == 0:
        return raw.astype("string").str.strip().replace("", pd.NA)
    if pd.api.types.is_bool_dtype(raw.dtype):
        return raw.map({True: "да", False: "нет"}).astype("string")
    if pd.api.types.is_integer_dtype(raw.dtype):
        return raw.astype("Int64").astype("string")
    if pd.api.types.is_float_dtype(raw.dtype):
        return _float_text(raw)
    present = set(map(type, _cells(raw))) - {type(None)}
    # one kind of cell in the whole column (the usual XLSX column): that kind's rule at once
    if present <= {str}:
        return raw.astype("string").str.strip().replace("", pd.NA)
    if present == {float}:
        return _as_text(raw.astype("Float64"))
    if present == {int}:
        return _as_text(raw.astype("Int64"))
    kinds = raw.map(type)
    out = pd.Series(pd.NA, index=raw.index, dtype="string")
    is_str = kinds.eq(str) | kinds.eq(Formula)
    if is_str.any():
        out[is_str] = raw[is_str].astype("string").str.strip()
    for kind in (float, int):
        m = kinds.eq(kind)
        if m.any():
            out[m] = _as_text(raw[m].astype(kind))
    rest = ~(is_str | kinds.eq(float) | kinds.eq(int) | kinds.eq(type(None)))
    if rest.any():  # dates, booleans, times: few, per cell
        out[rest] = raw[rest].map(cell_text).astype("string")
    return out.replace("", pd.NA)


def _float_text(raw: pd.Series) -> pd.Series:
    """Numbers as `str` writes them, whole ones without «.0» (`str(int(x))`), NaN and empty
    cells <NA>; in Arrow where Arrow's text is Python's. Whole numbers below 2**63 go through
    int64; other finite numbers from 1e-4 to 1e16 (where Python writes no exponent) take
    Arrow's shortest round-trip text when it has no exponent either (the same digits: both
    are the shortest text that reads back as the number); the rest (±inf, tiny, huge, the
    long ones Arrow writes with an exponent) take `str` one by one."""
    arr = raw.astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
    known = ~np.isnan(arr)
    size = np.abs(arr)
    with np.errstate(invalid="ignore"):
        whole = known & np.isfinite(arr) & (arr == np.floor(arr)) & (size < 2.0 ** 63)
    plain = known & ~whole & (size >= 1e-4) & (size < 1e16)
    text = pc.if_else(pyarrow.array(whole), pc.cast(pyarrow.array(np.where(whole, arr, 0).astype(np.int64)),
                                                     pyarrow.string()),
                      pc.cast(pyarrow.array(np.where(known, arr, 0.0)), pyarrow.string()))
    rest = known & ~whole & ~(plain & ~np.asarray(pc.match_substring(text, "e").to_numpy(zero_copy_only=False),
                                                   dtype=bool))
    if rest.any():
        text = pc.replace_with_mask(text, pyarrow.array(rest), pyarrow.array(
            [str(int(x)) if x.is_integer() else str(x) for x in arr[rest].tolist()], pyarrow.string()))
    text = pc.if_else(pyarrow.array(known), text, pyarrow.scalar(None, pyarrow.string()))
    return pd.Series(pd.array(text, dtype="string"), index=raw.index)


def _serial_dates(text: pd.Series) -> pd.Series:
    """Excel serial day numbers (45352 = 01.03.2024) in a date/text column, as dates."""
    num = pd.to_numeric(text, errors="coerce")
    serial = num.notna() & (num >= 20000) & (num <= 80000) & (num % 1 == 0)
    out = text.copy()
    if serial.any():
        days = pd.to_datetime("1899-12-30") + pd.to_timedelta(num[serial], unit="D")
        out[serial] = days.dt.strftime("%d.%m.%Y").astype("string")
    return out


def parse_column(raw: pd.Series, col: Col) -> tuple[pd.Series, pd.Series, str]:
    """Typed values, a mask of unreadable non-empty cells, and the rule they broke.

    Whole-column operations only (no Python call per cell on the common paths): typed
    Parquet columns pass through, text is parsed with pandas string methods."""
    if col.type in ("int", "float", "pct") and pd.api.types.is_numeric_dtype(raw.dtype) \
            and not pd.api.types.is_bool_dtype(raw.dtype):
        num = raw.astype("Float64")
        bad = pd.Series(False, index=raw.index)
        infinite = _not_finite(num)
        if col.type == "int":
            large = (num.abs() > MAX_EXACT).fillna(False).astype(bool) & ~infinite
            bad = (num.notna() & ~infinite & ~large & (num % 1 != 0)).fillna(False).astype(bool)
            rules = _Rules(RULE_TEXT["int"], pd.Series(False, index=raw.index), infinite=infinite, large=large)
            bad = bad | infinite | large
            return num.where(~bad).round().astype("Int64"), bad, rules
        rules = _Rules(RULE_TEXT[col.type], pd.Series(False, index=raw.index), infinite=infinite)
        return num.where(~infinite), infinite, rules
    fast = _float_cells(raw, col)
    if fast is not None:
        return fast
    text = _as_text(raw)
    empty = text.isna()
    # cheap vectorised prefilter (pyarrow), the regex only on the few cells starting with = or @
    starts = text.str.lstrip().str.startswith(("=", "@")).fillna(False).astype(bool)
    formula = pd.Series(False, index=raw.index)
    if starts.any():
        formula[starts] = text[starts].str.contains(_FORMULA, regex=True).fillna(False).astype(bool)
    marker = raw.map(type).eq(Formula) if raw.dtype == object and Formula in set(map(type, _cells(raw))) \
        else pd.Series(False, index=raw.index)
    formula |= marker
    # an Excel error cell (#N/A, #DIV/0!, #VALUE!…): the reader marks it with its error text
    excel_error = marker & text.str.startswith("#").fillna(False).astype(bool) if marker.any() else \
        pd.Series(False, index=raw.index)
    infinite = large = None
    if col.type in ("int", "float", "pct"):
        num = _numbers(text, pct=col.type == "pct")
        infinite = _not_finite(num) | text.str.strip().str.lower().isin(["nan", "+nan", "-nan"]).fillna(False).astype(bool)
        bad = ((~empty & num.isna()) | infinite).fillna(False).astype(bool)
        if col.type == "int":
            large = (num.abs() > MAX_EXACT).fillna(False).astype(bool) & ~infinite
            bad |= large | (num.notna() & ~infinite & ~large & (num % 1 != 0)).fillna(False).astype(bool)
            values = num.where(~bad).round().astype("Int64")
        else:
            values = num.where(~bad).astype("Float64")
        rule = RULE_TEXT[col.type]
    elif col.type == "bool":
        norm = text.str.lower().str.strip(" .")
        values = pd.Series(pd.NA, index=raw.index, dtype="boolean")
        values[norm.isin(TRUE_WORDS).fillna(False).astype(bool)] = True
        values[norm.isin(FALSE_WORDS).fillna(False).astype(bool)] = False
        bad = (~empty & values.isna()).astype(bool)
        rule = RULE_TEXT["bool"]
    elif col.name in VOCABULARIES:
        vocab = VOCABULARIES[col.name]
        values = _vocabulary_values(text, vocab)
        bad = (~empty & values.isna()).astype(bool)
        rule = f"неизвестное значение ({VOCABULARY_TITLES[col.name]})"
    elif col.type == "code":
        values = text
        bad = (~empty & ~text.str.fullmatch(SAFE_CODE).fillna(False).astype(bool)).astype(bool)
        rule = RULE_TEXT["code"]
    else:
        values = _serial_dates(text) if col.dates else text
        bad = pd.Series(False, index=raw.index)
        rule = ""
    if formula.any() or (infinite is not None and infinite.any()) or (large is not None and large.any()):
        values = values.where(~formula)
        bad = bad & ~formula
        return values, bad | formula, _Rules(rule, formula, excel_error, infinite, large)
    return values, bad, rule


def _vocabulary_values(text: pd.Series, vocab: dict[str, str]) -> pd.Series:
    """The vocabulary's code of each text (<NA> when unknown), looked up once per distinct
    text and spread over the column by Arrow (`Series.map` of a dict hashes every cell
    again in Python's index machinery)."""
    distinct = text.dropna().unique()
    codes = [vocab.get(normalise_header(u)) for u in distinct]
    cells = pc.cast(pyarrow.array(text.array), pyarrow.string())  # the column's own Arrow data
    where = pc.index_in(cells, value_set=pyarrow.array(list(distinct), pyarrow.string()))
    found = pc.take(pyarrow.array(codes, pyarrow.string()), where)
    return pd.Series(pd.array(found, dtype="string"), index=text.index)


def _cells(raw: pd.Series):
    """The cells of a column to look at one by one: an object column's own numpy array (a
    pandas array iterated cell by cell costs ≈ 6 µs a cell: seconds on a 200k-row sheet)."""
    return raw.to_numpy() if raw.dtype == object else raw.array


def _float_cells(raw: pd.Series, col: Col):
    """A number column whose cells are all Excel numbers (floats), finite and exact: what the
    text rule gives them (their text read back as a number) without the text. None when
    the column has anything else (text, ints, inf, a number past 2**53): the text rule."""
    if col.type not in ("int", "float", "pct") or raw.dtype != object or not len(raw) \
            or set(map(type, _cells(raw))) - {type(None)} != {float}:
        return None

    f = raw.astype("Float64")
    arr = f.to_numpy(dtype="float64", na_value=np.nan)
    known = arr[~np.isnan(arr)]
    if np.isinf(known).any() or (np.abs(known) > MAX_EXACT).any():
        return None
    f = f + 0.0  # −0.0 reads back as 0
    if col.type == "int":
        bad = (f.notna() & (f % 1 != 0)).fillna(False).astype(bool)
        return f.where(~bad).round().astype("Int64"), bad, RULE_TEXT["int"]
    return f, pd.Series(False, index=raw.index), RULE_TEXT[col.type]


def _not_finite(num: pd.Series) -> pd.Series:
    """±inf (an empty cell is not): one numpy step."""

    return pd.Series(np.isinf(num.astype("Float64").to_numpy(dtype="float64", na_value=np.nan)), index=num.index)


class _Rules(str):
    """The rule text of a column's bad cells, plus which of them are formulas, Excel error
    cells, non-finite or too large numbers (each has its own rule)."""

    def __new__(cls, rule: str, formula: pd.Series, excel_error: pd.Series | None = None,
                infinite: pd.Series | None = None, large: pd.Series | None = None):
        obj = super().__new__(cls, rule)
        obj.formula = formula
        obj.excel_error = excel_error
        obj.infinite = infinite
        obj.large = large
        return obj


def rule_for(rule: str, i) -> str:
    """The rule a given bad cell broke (a formula, an Excel error, inf, a huge count have their own)."""
    for mask, key in (("excel_error", "excel_error"), ("formula", "formula"), ("infinite", "finite"),
                      ("large", "too_large")):
        m = getattr(rule, mask, None)
        if m is not None and bool(m.loc[i]):
            return RULE_TEXT[key]
    return str(rule)


_NOT_ABOVE = re.compile(r"^([a-z0-9_+]+)<=([a-z0-9_+]+)$")


@dataclass(frozen=True)
class CrossRule:
    """A cross-field rule of a source: `left` (a sum of columns) not above `right`
    (a sum), or a named rule. `columns` are the ones it needs in the file."""

    code: str
    left: tuple[str, ...]
    right: tuple[str, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return self.left + self.right


def cross_rules(source: Source) -> list[CrossRule]:
    rules = []
    for text in source.extra_checks:
        m = _NOT_ABOVE.match(text.replace(" ", ""))
        if m:
            rules.append(CrossRule(text, tuple(m[1].split("+")), tuple(m[2].split("+"))))
        elif text == "marks_sum":
            rules.append(CrossRule(text, ("mark2", "mark3", "mark4", "mark5"), ("participants",)))
        elif text == "oge_mark2_passed":
            rules.append(CrossRule(text, ("mark",), ("passed_min", "exam")))
        elif text == "one_first_attempt":
            rules.append(CrossRule(text, ("participant_id",), ("exam", "subject")))
        else:
            raise ValueError(f"unknown cross-field rule of {source.name}: {text}")
    return rules


def marks_counts(df: pd.DataFrame) -> pd.DataFrame:
    """Counts of «2»…«5»: given as counts, or converted from percentages of participants
    (ФИС ОКО «Статистика по отметкам»). A `_from_pct` column says which rows were."""
    out = pd.DataFrame(index=df.index)
    from_pct = pd.Series(False, index=df.index)
    for m in (2, 3, 4, 5):
        cnt = df[f"mark{m}"] if f"mark{m}" in df else pd.Series(pd.NA, index=df.index, dtype="Int64")
        if f"pct{m}" in df and "participants" in df:
            conv = (df[f"pct{m}"] * df["participants"] / 100).round().astype("Int64")
            from_pct |= (cnt.isna() & conv.notna()).fillna(False).astype(bool)
            cnt = cnt.fillna(conv)
        out[f"mark{m}"] = cnt.astype("Int64")
    out["_from_pct"] = from_pct
    return out


def first_attempt_repeats(df: pd.DataFrame) -> pd.Series:
    """Rows of a participant's second (third…) first attempt at one exam and subject: every
    such row is marked (which one is right is the school's to say)."""
    if not {"participant_id", "exam", "subject"} <= set(df.columns):
        return pd.Series(False, index=df.index)
    first = ~(df["is_retake"] == True).fillna(False).astype(bool) if "is_retake" in df else \
        pd.Series(True, index=df.index)  # noqa: E712
    keyed = first & df["participant_id"].notna() & df["exam"].notna() & df["subject"].notna()
    dup = pd.Series(False, index=df.index)
    sub = df.loc[keyed, ["participant_id", "exam", "subject"]]
    dup[keyed] = sub.duplicated(keep=False).to_numpy()
    return dup


def _cross_check(rule: CrossRule, rules_cfg: dict):
    """A dataframe-level check: a boolean Series, False on the rows breaking the rule
    (rows missing a needed value pass: nothing to compare)."""
    tol_pct = float(rules_cfg.get("marks_sum_tolerance_from_pct", 1))

    def check(df: pd.DataFrame) -> pd.Series:
        if rule.code == "marks_sum":
            if "participants" not in df:
                return pd.Series(True, index=df.index)
            counts = marks_counts(df)
            total = counts[["mark2", "mark3", "mark4", "mark5"]].sum(axis=1, min_count=4)
            tol = counts["_from_pct"].map({True: tol_pct, False: 0.0}).astype("Float64")
            ok = ((total - df["participants"]).abs() <= tol)
            return ok.fillna(True).astype(bool)
        if any(c not in df for c in rule.columns):
            return pd.Series(True, index=df.index)
        if rule.code == "oge_mark2_passed":
            bad = (df["exam"] == "oge") & (df["mark"] == 2) & (df["passed_min"] == True)  # noqa: E712
            return ~bad.fillna(False).astype(bool)
        if rule.code == "one_first_attempt":
            return ~first_attempt_repeats(df)
        # a sum with an empty term is empty (min_count = every term), so the row passes
        left = functools.reduce(operator.add, [df[c] for c in rule.left])
        right = functools.reduce(operator.add, [df[c] for c in rule.right])
        return (left <= right).fillna(True).astype(bool)

    return pa.Check(check, element_wise=False, name=rule.code, error=rule.code)


def pandera_schema(source: Source, present: list[str], rules_cfg: dict | None = None) -> pa.DataFrameSchema:
    """The contract for the columns present in a file (required ones are always checked):
    types, ranges, one row per key (schema-level `unique`, which every pandera backend
    honours) and the source's cross-field rules as dataframe-level checks."""
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
    cross = [_cross_check(r, rules_cfg or {}) for r in cross_rules(source)]
    return pa.DataFrameSchema(columns, checks=cross or None, unique=key or None, report_duplicates="all",
                              strict=False)


def cross_rule_problem(rule: CrossRule, row: pd.Series, headers: dict[str, str], source: Source,
                       file: str, sheet: str, excel_row: int) -> Problem:
    """A Russian message naming the columns as written in the file and their values."""
    def name(c):
        return f"«{headers.get(c) or source.col(c).title}»"

    def val(c):
        v = row.get(c)
        return "—" if v is None or pd.isna(v) else _fmt(float(v))

    if rule.code == "marks_sum":
        counts = marks_counts(row.to_frame().T.astype({c: "Float64" for c in row.index
                                                        if c.startswith(("mark", "pct", "part"))}))
        parts = [counts.iloc[0][f"mark{m}"] for m in (2, 3, 4, 5)]
        from_pct = bool(counts.iloc[0]["_from_pct"])
        total = sum(int(p) for p in parts)
        how = "«2»+«3»+«4»+«5» (из процентов)" if from_pct else "«2»+«3»+«4»+«5»"
        value = f"{' + '.join(str(int(p)) for p in parts)} = {total}, участников {val('participants')}"
        tol = " (допустимо расхождение на 1 из-за округления процентов)" if from_pct else ""
        return Problem(source.name, file, sheet, excel_row, headers.get("participants", "participants"), value,
                       f"сумма отметок {how} должна равняться числу участников{tol}", code=rule.code)
    if rule.code == "oge_mark2_passed":
        return Problem(source.name, file, sheet, excel_row, headers.get("mark", "mark"),
                       f"2, {name('passed_min')} = да",
                       f"отметка «2» за ОГЭ при {name('passed_min')} = «да» — одно из двух неверно: проверьте "
                       f"отметку и признак преодоления порога", code=rule.code)
    if rule.code == "one_first_attempt":
        return Problem(source.name, file, sheet, excel_row, headers.get("participant_id", "participant_id"), "",
                       "у участника две или больше первых попыток (не пересдачи) по одному экзамену и предмету — "
                       "оставьте одну, остальные отметьте как пересдачу", code=rule.code)
    left = " + ".join(name(c) for c in rule.left)
    right = " + ".join(name(c) for c in rule.right)
    lv = " + ".join(val(c) for c in rule.left)
    rv = " + ".join(val(c) for c in rule.right)
    return Problem(source.name, file, sheet, excel_row, headers.get(rule.left[0], rule.left[0]),
                   f"{lv} > {rv}", f"{left} не может быть больше, чем {right}", code=rule.code)


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


# ---------------------------------------------------------------------------------------
# The same contract in SQL, for the bulk sources checked set-based in DuckDB (tasks/bulk.py).
# Built from the same Source definition as `pandera_schema`: required, min, max, the key and
# the cross-field rules. Each condition is TRUE on a row breaking the rule; NULL passes.

def sql_column_checks(source: Source, present: list[str]) -> list[tuple[str, str, str]]:
    """(column, pandera check name, SQL condition) for every column rule, in schema order."""
    out = []
    for c in source.columns:
        if c.name not in present:
            continue
        q = f'"{c.name}"'
        if c.required:
            out.append((c.name, "not_nullable", f"{q} IS NULL"))
        if c.min is not None:
            out.append((c.name, f"greater_than_or_equal_to({_fmt(c.min)})", f"{q} < {float(c.min)!r}"))
        if c.max is not None:
            out.append((c.name, f"less_than_or_equal_to({_fmt(c.max)})", f"{q} > {float(c.max)!r}"))
    return out


def sql_marks_counts(present: list[str] | set[str]) -> tuple[dict[int, str], str]:
    """SQL of `marks_counts`: the count expression of each mark and whether any came from
    percentages (pandas rounds half to even: so does `round_even`)."""
    exprs, from_pct = {}, []
    for m in (2, 3, 4, 5):
        cnt = f"mark{m}" if f"mark{m}" in present else "NULL"
        if f"pct{m}" in present and "participants" in present:
            conv = f"CAST(round_even(pct{m} * participants / 100, 0) AS BIGINT)"
            from_pct.append(f"({cnt} IS NULL AND {conv} IS NOT NULL)")
            cnt = f"coalesce({cnt}, {conv})"
        exprs[m] = f"CAST({cnt} AS BIGINT)"
    return exprs, (" OR ".join(from_pct) if from_pct else "false")


def sql_cross_condition(rule: CrossRule, present: list[str] | set[str], rules_cfg: dict | None = None) -> str | None:
    """SQL TRUE on the rows breaking a cross-field rule; None when the rule cannot apply."""
    if rule.code == "marks_sum":
        if "participants" not in present:
            return None
        tol = float((rules_cfg or {}).get("marks_sum_tolerance_from_pct", 1))
        counts, from_pct = sql_marks_counts(present)
        total = " + ".join(f"({counts[m]})" for m in (2, 3, 4, 5))
        return (f"coalesce(abs(({total}) - participants) > CASE WHEN coalesce({from_pct}, false) "
                f"THEN {tol!r} ELSE 0 END, false)")
    if any(c not in present for c in rule.columns):
        return None
    if rule.code == "oge_mark2_passed":
        return "coalesce(exam = 'oge' AND mark = 2 AND passed_min, false)"
    if rule.code == "one_first_attempt":
        return None  # over the whole file set, not row by row: tasks/bulk.py::_first_attempts
    left = " + ".join(f'"{c}"' for c in rule.left)
    right = " + ".join(f'"{c}"' for c in rule.right)
    return f"coalesce(({left}) > ({right}), false)"
