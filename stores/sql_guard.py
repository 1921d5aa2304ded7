"""The parser layer of read-only SQL: a statement becomes a syntax tree (sqlglot), every
node of the tree must be of a permitted kind, every table it names must be a scope view or
one of its own WITH names, and what runs is SQL generated again from the checked tree.

Generating the SQL again is what makes the check sound: the database never sees the
caller's text, so dollar quoting, escape strings, comments or anything else the database
tokenises differently from the checker cannot smuggle code past it. The whitelist names
syntax, not danger: a function or construct that is not listed is refused, whatever it does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.normalize_identifiers import normalize_identifiers

from agentmem.errors import QueryRefusedError

MAX_STATEMENT = 10_000
VIEW_PREFIX = "agentmem_scope_"

# Syntax: queries, clauses, names, literals, operators and conditionals.
_NODES = """
Select Union Intersect Except With CTE TableAlias Subquery From Join Where Group Having Order
Ordered Limit Offset Distinct Star Column Identifier Alias Table Tuple Paren Window WindowSpec
Filter Null Boolean Literal RawString Cast DataType Interval And Or Not EQ NEQ NullSafeEQ
NullSafeNEQ GT GTE LT LTE Is In Between Like ILike Glob Escape RegexpLike RegexpILike Add Sub
Mul Div IntDiv Mod Neg DPipe Concat ConcatWs Case If Exists Coalesce Nullif JSONExtract
JSONExtractScalar JSONBExtract JSONBExtractScalar JSONBContainsTopKey JSONPath JSONPathRoot
JSONPathKey JSONPathSubscript
"""
# Functions: aggregates, window functions, text, numbers, dates and JSON. None of them
# sleeps, locks, reads files or settings, runs a query given as text, or makes a value
# whose size is a number the caller chooses (repeat, lpad, printf, zeroblob).
_FUNCTIONS = """
Count Sum Avg Min Max GroupConcat ArrayAgg LogicalOr LogicalAnd Stddev StddevPop StddevSamp
Variance VariancePop RowNumber Rank DenseRank PercentRank CumeDist Ntile Lag Lead FirstValue
LastValue NthValue Lower Upper Length Substring Trim Left Right StrPosition SplitPart Replace
Initcap Unicode Hex Chr Abs Round Floor Ceil Sign Sqrt Greatest Least Typeof CurrentTimestamp
CurrentDate CurrentTime Extract TimestampTrunc DateTrunc TimeToStr Date TsOrDsToTimestamp
JSONType Rand
"""
# Functions sqlglot has no class for, by name; both databases share the namespace here
# (a name the database lacks fails there).
_NAMED = {
    "ifnull",
    "instr",
    "date",
    "time",
    "datetime",
    "julianday",
    "strftime",
    "unixepoch",
    "total",
    "iif",
    "char_length",
    "octet_length",
    "to_char",
    "date_part",
    "age",
    "now",
    "json_extract",
    "json_array_length",
    "json_type",
    "json_valid",
    "json_group_array",
    "json_group_object",
    "json_object",
    "json_array",
    "json_extract_path_text",
    "jsonb_extract_path_text",
    "json_extract_path",
    "jsonb_extract_path",
    "json_typeof",
    "jsonb_typeof",
    "jsonb_array_length",
    "json_agg",
    "jsonb_agg",
    "json_build_object",
    "jsonb_build_object",
    "to_json",
    "to_jsonb",
    "string_agg",
    "bool_and",
    "bool_or",
    "every",
    "btrim",
    "ltrim",
    "rtrim",
    "starts_with",
}
# Set-returning functions allowed in FROM on PostgreSQL: they expand a JSON value of a row
# already read. (SQLite's json_each declares a virtual table, which its authorizer sees as a
# schema change; use json_extract there.)
TABLE_FUNCTIONS = {
    "json_each",
    "jsonb_each",
    "jsonb_each_text",
    "json_each_text",
    "json_array_elements",
    "jsonb_array_elements",
    "json_array_elements_text",
    "jsonb_array_elements_text",
    "json_object_keys",
    "jsonb_object_keys",
}
_TYPES = """
TEXT VARCHAR CHAR NCHAR NVARCHAR INT TINYINT SMALLINT BIGINT FLOAT DOUBLE DECIMAL BOOLEAN
DATE TIME TIMESTAMP TIMESTAMPTZ JSON JSONB
"""
# Keywords sqlglot keeps as bare words: date parts and window frame bounds.
_WORDS = """
YEAR QUARTER MONTH WEEK DAY HOUR MINUTE SECOND MILLISECOND MICROSECOND DOW DOY EPOCH ISODOW
ISOYEAR DECADE CENTURY MILLENNIUM UNBOUNDED PRECEDING FOLLOWING CURRENT ROW ROWS RANGE
"""
_ALLOWED = tuple(getattr(exp, name) for name in (_NODES + _FUNCTIONS).split())
_TYPE_NAMES = {getattr(exp.DataType.Type, name) for name in _TYPES.split()}
_WORD_SET = set(_WORDS.split())
_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


@dataclass(frozen=True)
class Confined:
    """A checked statement: the SQL to run and the readable tables it reads."""

    sql: str
    tables: frozenset[str]


def confine(statement: str, dialect: str, views: dict[str, str]) -> Confined:
    """Check `statement` and return SQL in which each readable table (a key of `views`)
    is replaced by its scope view (the value), or raise QueryRefusedError."""
    functions = TABLE_FUNCTIONS if dialect == "postgres" else set()
    tree = _parse(statement, dialect)
    _check_nodes(tree, functions)
    used = _rewrite_tables(tree, views)
    for raw in list(tree.find_all(exp.RawString)):  # $$...$$ is a plain string literal
        raw.replace(exp.Literal.string(raw.this))
    for identifier in tree.find_all(exp.Identifier):
        # PostgreSQL: no name can be read as a keyword function (user, current_role); both:
        # no name can be read as a parameter ($x, ?1). SQLite keeps plain names unquoted,
        # because a quoted name it cannot resolve becomes a string there.
        if dialect == "postgres" or not _PLAIN_NAME.match(identifier.name):
            identifier.set("quoted", True)
    try:  # lower-case function names: SQLite names an unaliased column by its text
        sql = tree.sql(dialect=dialect, comments=False, normalize_functions="lower")
    except (SqlglotError, RecursionError, ValueError) as exc:
        raise QueryRefusedError(f"the statement could not be checked: {exc}") from None
    # The generator may add to the tree (a cast for round(x, 2) on PostgreSQL), so what
    # runs is read back and checked again: the same whitelist, and only the scope views.
    again = _parse_one(sql, dialect)
    _check_nodes(again, functions)
    _check_tables(again, set(views.values()), set(views.values()))
    return Confined(sql, frozenset(used))


def _parse(statement: str, dialect: str) -> exp.Expression:
    if not isinstance(statement, str) or not statement.strip():
        raise QueryRefusedError("the statement is empty; pass one SELECT statement")
    if len(statement) > MAX_STATEMENT:
        raise QueryRefusedError(
            f"the statement has {len(statement)} characters, over {MAX_STATEMENT}; shorten it"
        )
    if "\x00" in statement:
        raise QueryRefusedError("the statement contains a NUL byte; remove it")
    return normalize_identifiers(_parse_one(statement, dialect), dialect=dialect)


def _parse_one(statement: str, dialect: str) -> exp.Expression:
    try:
        trees = sqlglot.parse(statement, read=dialect)  # None: an empty statement
    except (SqlglotError, RecursionError, ValueError) as exc:
        raise QueryRefusedError(f"the statement is not valid SQL: {_first_line(exc)}") from None
    if len(trees) != 1:
        raise QueryRefusedError(
            f"pass exactly one statement, got {len(trees)}; remove the ';' between statements"
        )
    tree = trees[0]
    if not isinstance(tree, exp.Select | exp.SetOperation):
        raise QueryRefusedError(
            f"only SELECT statements are allowed, got {statement.strip()[:40]!r}; "
            "writes go through the Memory API"
        )
    return tree


def _check_nodes(tree: exp.Expression, table_functions: set[str]) -> None:
    for node in tree.walk():
        if isinstance(node, exp.Anonymous):
            _check_function(node, table_functions)
        elif isinstance(node, exp.Var):
            if node.name.upper() not in _WORD_SET:
                raise QueryRefusedError(f"{node.name!r} is not allowed in read-only SQL")
        elif isinstance(node, exp.DataType):
            if node.this not in _TYPE_NAMES or node.expressions:
                raise QueryRefusedError(
                    f"casting to {node.sql()} is not allowed; use one of: {_TYPES.split()}"
                )
        elif not isinstance(node, _ALLOWED):
            raise QueryRefusedError(f"{_describe(node)} is not allowed in read-only SQL")
        elif isinstance(node, exp.Identifier) and not isinstance(node.this, str):
            raise QueryRefusedError(f"{node.sql()!r} is not a plain name")
        elif isinstance(node, exp.Column) and (node.args.get("db") or node.args.get("catalog")):
            raise QueryRefusedError(f"{node.sql()!r}: name columns without a schema")


def _check_function(node: exp.Anonymous, table_functions: set[str]) -> None:
    name = node.name.lower()
    in_from = isinstance(node.parent, exp.Table) and node.arg_key == "this"
    allowed = table_functions if in_from else _NAMED
    if name not in allowed or isinstance(node.this, exp.Identifier) and node.this.quoted:
        where = "in FROM" if in_from else "in read-only SQL"
        raise QueryRefusedError(f"function {node.name}() is not allowed {where}")


def _rewrite_tables(tree: exp.Expression, views: dict[str, str]) -> set[str]:
    """Point every readable table at its view; every other table must be a WITH name
    visible where it is used."""
    for cte in tree.find_all(exp.CTE):
        if cte.alias_or_name in views or cte.alias_or_name.startswith(VIEW_PREFIX):
            raise QueryRefusedError(
                f"WITH {cte.alias_or_name} would hide a readable table of that name; rename it"
            )
    used = _check_tables(tree, set(views), set(views.values()))
    for table in list(tree.find_all(exp.Table)):
        if table.name in views and not isinstance(table.this, exp.Anonymous):
            alias = table.args.get("alias") or exp.TableAlias(this=exp.to_identifier(table.name))
            table.set("this", exp.to_identifier(views[table.name]))
            table.set("alias", alias)
    return used


def _check_tables(tree: exp.Expression, readable: set[str], hidden: set[str]) -> set[str]:
    """Every table is one of `readable` (returned when used) or a WITH name visible where
    it is used; `hidden` names are refused as if they did not exist."""
    used: set[str] = set()
    for table in tree.find_all(exp.Table):
        if table.args.get("db") or table.args.get("catalog") or _has_extras(table):
            raise QueryRefusedError(
                f"{table.sql()!r} is not readable; name one of {sorted(readable)} without a schema"
            )
        if isinstance(table.this, exp.Anonymous):
            continue  # a table function, checked with the functions
        if table.name in readable:
            used.add(table.name)
        elif table.name in hidden or table.name not in _visible_ctes(table):
            raise QueryRefusedError(
                f"table {table.name!r} is not readable; readable tables: {sorted(readable)}"
            )
    return used


def _has_extras(table: exp.Table) -> bool:
    """ONLY, TABLESAMPLE, index hints, time travel and the like."""
    plain = {"this", "alias", "db", "catalog"}
    return any(value for key, value in table.args.items() if key not in plain)


def _visible_ctes(node: exp.Expression) -> set[str]:
    """The WITH names a table reference can see: every CTE of an enclosing query's WITH,
    except that inside a CTE's own body only the earlier ones (and itself, if RECURSIVE)."""
    names: set[str] = set()
    child, parent = node, node.parent
    while parent is not None:
        if isinstance(parent, exp.With):
            ctes = parent.expressions
            index = next(i for i, c in enumerate(ctes) if c is child)
            upto = index + 1 if parent.args.get("recursive") else index
            names.update(c.alias_or_name for c in ctes[:upto])
        elif child.arg_key != "with_":
            with_ = parent.args.get("with_")
            if isinstance(with_, exp.With):
                names.update(c.alias_or_name for c in with_.expressions)
        child, parent = parent, parent.parent
    return names


def _describe(node: exp.Expression) -> str:
    if isinstance(node, exp.Func):
        return f"function {node.sql_name().lower()}()"
    text = node.sql()
    return f"{type(node).__name__} ({text[:40]!r})" if text else type(node).__name__


def _first_line(exc: Exception) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0][:300]
