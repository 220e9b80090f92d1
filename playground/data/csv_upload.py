"""A CSV file uploaded by the user, checked step by step and turned into a Dataset.

Only text is parsed (pandas ``read_csv`` on the decoded bytes): nothing is unpickled or evaluated.
Every problem is a DatasetError with its own ``csv.*`` key whose message says what to change:

- size (``max_bytes``), emptiness, binary content, encoding (UTF-8, else Windows-1252), parse errors,
  rows with more or fewer values than the header (blank lines are skipped);
- the separator is guessed among ``, ; tab |``; with ``;`` a decimal comma (``1,5``) is understood;
- a first row made only of numbers is taken as data, not as a header (columns become col1, col2 …);
- ``max_rows`` rows and ``max_features`` feature columns at most; at least one feature column;
- the target column (default: the last one) must exist; feature columns must be numeric — text
  columns are refused by name (they are not one-hot encoded: the message says to encode or drop
  them); true/false columns count as 0/1; a column with no value at all is refused;
- rows with an empty or infinite value are dropped and counted in ``meta["dropped_rows"]``; at
  least ``MIN_ROWS`` rows must remain.

The task, unless given, is inferred from the target: text, or whole numbers with at most
``MAX_INFERRED_CLASSES`` distinct values, is classification ("binary" with two classes); anything
else is regression. Class names are the target's values, sorted. Features are standardised with the
training split's mean and std; the split is seeded and stratified when every class allows it.
"""
from __future__ import annotations

import csv
import io

import numpy as np

from playground.data import Dataset, DatasetError
from playground.data._common import check_float, check_seed, make_dataset, split, standardise

MIN_ROWS = 10
MAX_INFERRED_CLASSES = 20  # integer targets with more distinct values are taken as regression
MAX_CLASSES = 100  # a classification target (inferred or asked for) with more classes is refused
TASKS = ("classification", "binary", "regression")
_SEPARATORS = ",;\t|"


def _mb(n: int) -> str:
    return f"{n / 2**20:.1f}"


def _short_list(names, limit: int = 8) -> str:
    names = [str(n) for n in names]
    return ", ".join(names[:limit]) + (f", … (+{len(names) - limit})" if len(names) > limit else "")


def _as_bytes(data) -> bytes:
    """bytes from bytes, bytearray, memoryview or an uploaded-file object (``getvalue()``/``read()``)."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    for method in ("getvalue", "read"):
        if callable(getattr(data, method, None)):
            value = getattr(data, method)()
            if isinstance(value, (bytes, bytearray, memoryview)):
                return bytes(value)
    raise DatasetError("csv.not_bytes", kind=type(data).__name__)


def _decode(raw: bytes) -> str:
    if b"\x00" in raw:
        raise DatasetError("csv.binary")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise DatasetError("csv.encoding")
    control = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r")
    if control > max(2, len(text) // 200):  # more than 0.5% control characters: not a text table
        raise DatasetError("csv.binary")
    return text


def _separator(text: str) -> str:
    sample = "\n".join(text.splitlines()[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters=_SEPARATORS).delimiter
    except csv.Error:
        first = sample.splitlines()[0] if sample else ""
        counts = {sep: first.count(sep) for sep in _SEPARATORS}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def _is_number(value: str) -> bool:
    try:
        float(str(value).replace(",", "."))
        return True
    except ValueError:
        return False


def _check_ragged(text: str, sep: str, max_rows: int) -> None:
    """Every non-blank row must have as many values as the first one (the header)."""
    try:
        reader = csv.reader(io.StringIO(text), delimiter=sep, skipinitialspace=True)
        width = None
        for row in reader:
            if reader.line_num > max_rows + 2:
                return
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if width is None:
                width = len(row)
            elif len(row) != width:
                raise DatasetError("csv.ragged", line=reader.line_num, n=len(row), width=width)
    except csv.Error as exc:
        raise DatasetError("csv.unparseable", detail=str(exc)[:200]) from exc


def _read(text: str, max_rows: int):
    import pandas as pd

    sep = _separator(text)
    _check_ragged(text, sep, max_rows)
    kwargs = {"sep": sep, "skipinitialspace": True, "nrows": max_rows + 1, "on_bad_lines": "error",
              "index_col": False}
    if sep == ";":
        kwargs["decimal"] = ","
    try:
        df = pd.read_csv(io.StringIO(text), **kwargs)
        if len(df.columns) > 1 and all(_is_number(c) for c in df.columns):  # no header row
            df = pd.read_csv(io.StringIO(text), header=None, **kwargs)
            df.columns = [f"col{i + 1}" for i in range(len(df.columns))]
    except pd.errors.EmptyDataError as exc:
        raise DatasetError("csv.empty") from exc
    except (pd.errors.ParserError, ValueError, csv.Error) as exc:
        detail = str(exc).strip().splitlines()[-1][:200] if str(exc).strip() else type(exc).__name__
        raise DatasetError("csv.unparseable", detail=detail) from exc
    df.columns = [str(c).strip() for c in df.columns]
    return df


def _numeric(col):
    """A column as float64 if it is numeric, boolean, or text that is all numbers; else None."""
    import pandas as pd

    if pd.api.types.is_bool_dtype(col):
        return col.astype("float64")
    if pd.api.types.is_numeric_dtype(col):
        return col.astype("float64")
    text = col.astype("string").str.strip()
    lowered = text.str.lower()
    if lowered.dropna().isin(["true", "false"]).all() and lowered.notna().any():
        return lowered.map({"true": 1.0, "false": 0.0}).astype("float64")
    converted = pd.to_numeric(text.str.replace(",", ".", regex=False), errors="coerce")
    if converted.notna().sum() == text.notna().sum():  # every non-empty value is a number
        return converted.astype("float64")
    return None


def _class_name(value) -> str:
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def load_csv(data: bytes, target: str | None = None, task: str | None = None, *, max_bytes: int = 5 * 2**20,
             max_rows: int = 50_000, max_features: int = 200, seed: int = 0, test_size: float = 0.2,
             name: str = "upload") -> Dataset:
    """Check and load a CSV file given as bytes; ``target`` defaults to the last column.

    ``task``: None (infer), "classification", "binary" or "regression". ``name`` (e.g. the file
    name) goes to ``meta["name"]``. See the module docstring for every check.
    """
    import pandas as pd

    seed = check_seed(name, seed)
    test_size = check_float(name, "test_size", test_size, 0.05, 0.5)
    if task is not None and task not in TASKS:
        raise DatasetError("csv.bad_task", task=task, tasks=", ".join(TASKS))
    raw = _as_bytes(data)
    if len(raw) > max_bytes:
        raise DatasetError("csv.too_big", size=_mb(len(raw)), max=_mb(max_bytes))
    if not raw.strip():
        raise DatasetError("csv.empty")
    df = _read(_decode(raw), max_rows)
    if len(df) > max_rows:
        raise DatasetError("csv.too_many_rows", max=max_rows)
    if len(df) == 0:
        raise DatasetError("csv.no_rows")
    if len(df.columns) < 2:
        raise DatasetError("csv.one_column", column=_short_list(df.columns))
    if target is None:
        target = df.columns[-1]
    elif str(target).strip() not in df.columns:
        raise DatasetError("csv.no_target", target=target, columns=_short_list(df.columns, 20))
    target = str(target).strip()
    features = [c for c in df.columns if c != target]
    if len(features) > max_features:
        raise DatasetError("csv.too_many_features", n=len(features), max=max_features)
    empty = [c for c in df.columns if df[c].isna().all()]
    if empty:
        raise DatasetError("csv.empty_columns", columns=_short_list(empty))

    numeric, text_columns = {}, []
    for c in features:
        col = _numeric(df[c])
        if col is None:
            text_columns.append(c)
        else:
            numeric[c] = col
    if text_columns:
        raise DatasetError("csv.non_numeric", columns=_short_list(text_columns))
    x = pd.DataFrame(numeric).replace([np.inf, -np.inf], np.nan)
    y_numeric = _numeric(df[target])
    y_raw = y_numeric if y_numeric is not None else df[target].astype("string").str.strip().replace("", pd.NA)
    if y_numeric is not None:
        y_raw = y_raw.replace([np.inf, -np.inf], np.nan)
    keep = x.notna().all(axis=1) & y_raw.notna()
    dropped = int((~keep).sum())
    x, y_raw = x[keep].to_numpy(dtype=np.float64), y_raw[keep]
    if len(x) < MIN_ROWS:
        raise DatasetError("csv.too_few_rows", n=len(x), min=MIN_ROWS, dropped=dropped)

    values = np.unique(y_raw.to_numpy(dtype=np.float64 if y_numeric is not None else object))
    whole = y_numeric is not None and bool(np.all(np.mod(values.astype(np.float64), 1) == 0))
    if task is None:
        if y_numeric is None or (whole and len(values) <= MAX_INFERRED_CLASSES):
            task = "binary" if len(values) == 2 else "classification"
        else:
            task = "regression"
    if task == "regression":
        if y_numeric is None:
            raise DatasetError("csv.target_not_numeric", target=target)
        y, classes = y_raw.to_numpy(dtype=np.float64), []
    else:
        if len(values) < 2:
            raise DatasetError("csv.one_class", target=target, value=_class_name(values[0]))
        if len(values) > MAX_CLASSES:
            raise DatasetError("csv.too_many_classes", target=target, n=len(values), max=MAX_CLASSES)
        if task == "binary" and len(values) != 2:
            raise DatasetError("csv.not_binary", target=target, n=len(values))
        index = {v: i for i, v in enumerate(values)}
        y = np.array([index[v] for v in y_raw.to_numpy(dtype=values.dtype)], dtype=np.int64)
        classes = [_class_name(v) for v in values]

    x_tr, x_te, y_tr, y_te = split(x, y, test_size, seed, stratify=task != "regression")
    x_tr, x_te, mean, std = standardise(x_tr, x_te)
    return make_dataset(x_tr, y_tr, x_te, y_te, name=name, source="source.upload", classes=classes, task=task,
                        mean=mean, std=std, features=features, target=target, dropped_rows=dropped,
                        n_rows=len(df))
