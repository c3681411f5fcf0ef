"""The index framework: a tree of indicators (level 1) under aggregates up to one index.

Validated on construction so that every later step can trust it: unique codes, known parents,
no cycles, no orphans, parents above their children, finite weights, directions of 1 or -1."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from lei_pipeline.index.errors import FrameworkError


@dataclass(frozen=True)
class Node:
    code: str
    parent: str | None
    level: int
    weight: float = 1.0
    direction: int = 1
    denominator: str | None = None
    name: str | None = None


def _blank(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or (isinstance(v, str) and not v.strip()) or v is pd.NA


@dataclass
class Framework:
    nodes: list[Node]
    # Non-indicator columns the framework documents (COINr iMeta rows of Type Group / Denominator).
    groups: tuple[str, ...] = ()
    denominators: tuple[str, ...] = ()
    _by_code: dict[str, Node] = field(init=False, repr=False)
    _children: dict[str, list[str]] = field(init=False, repr=False)
    _indicators: list[str] = field(init=False, repr=False)
    _aggregates: list[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.nodes = [self._clean(n) for n in self.nodes]
        if not self.nodes:
            raise FrameworkError("framework has no nodes")
        self._by_code = {}
        for n in self.nodes:
            if n.code in self._by_code:
                raise FrameworkError(f"framework node {n.code!r} is defined twice")
            self._by_code[n.code] = n
        self._children = {n.code: [] for n in self.nodes}
        for n in self.nodes:
            if n.parent is not None:
                if n.parent not in self._by_code:
                    raise FrameworkError(f"framework node {n.code!r} has unknown parent {n.parent!r}")
                self._children[n.parent].append(n.code)
        self._check_cycles()
        self._check_tree()
        # Derived lists are asked for on every build: compute them once.
        self._indicators = [n.code for n in self.nodes if n.level == 1]
        self._aggregates = [n.code for n in sorted((n for n in self.nodes if n.level > 1), key=lambda n: n.level)]

    @staticmethod
    def _clean(n: Node) -> Node:
        if not isinstance(n, Node):
            raise FrameworkError(f"framework nodes must be Node objects, got {n!r}")
        code = str(n.code).strip() if not _blank(n.code) else ""
        if not code:
            raise FrameworkError(f"framework node with empty code: {n!r}")
        parent = None if _blank(n.parent) else str(n.parent).strip()
        denominator = None if _blank(n.denominator) else str(n.denominator).strip()
        try:
            level = int(n.level)
            if level != float(n.level) or level < 1:
                raise ValueError
        except (TypeError, ValueError):
            raise FrameworkError(f"framework node {code!r} has level {n.level!r}; expected an integer >= 1") from None
        weight = 1.0 if _blank(n.weight) else n.weight
        try:
            weight = float(weight)
        except (TypeError, ValueError):
            raise FrameworkError(f"framework node {code!r} has non-numeric weight {n.weight!r}") from None
        if not math.isfinite(weight) or weight < 0:
            raise FrameworkError(f"framework node {code!r} has weight {weight!r}; expected a finite number >= 0")
        direction = 1 if _blank(n.direction) else n.direction
        if direction not in (1, -1):
            raise FrameworkError(f"framework node {code!r} has direction {n.direction!r}; expected 1 or -1")
        return Node(code, parent, level, weight, int(direction), denominator, n.name)

    def _check_cycles(self) -> None:
        for start in self.nodes:
            seen = [start.code]
            cur = start.parent
            while cur is not None:
                if cur in seen:
                    loop = " -> ".join(seen[seen.index(cur):] + [cur])
                    raise FrameworkError(f"framework has a cycle at node {cur!r}: {loop}")
                seen.append(cur)
                cur = self._by_code[cur].parent

    def _check_tree(self) -> None:
        top = max(n.level for n in self.nodes)
        for n in self.nodes:
            kids = self._children[n.code]
            if n.level == 1 and kids:
                raise FrameworkError(f"framework node {n.code!r} is at level 1 (indicator) but has children {kids}")
            if n.level > 1 and not kids:
                raise FrameworkError(f"framework aggregate {n.code!r} (level {n.level}) is an orphan: no node names it as parent")
            if n.parent is None and n.level < top:
                raise FrameworkError(
                    f"framework node {n.code!r} (level {n.level}) is an orphan: it has no parent and is below the top level {top}")
            if n.parent is not None and self._by_code[n.parent].level <= n.level:
                p = self._by_code[n.parent]
                raise FrameworkError(
                    f"framework node {n.code!r} (level {n.level}) has parent {p.code!r} at level {p.level}; a parent must be higher")
        if not any(n.level == 1 for n in self.nodes):
            raise FrameworkError("framework has no indicators (level 1 nodes)")

    # --- queries ---------------------------------------------------------------------------
    def __getitem__(self, code: str) -> Node:
        return self._by_code[code]

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    @property
    def codes(self) -> list[str]:
        return [n.code for n in self.nodes]

    @property
    def indicators(self) -> list[str]:
        return list(self._indicators)

    @property
    def aggregates(self) -> list[str]:
        """Aggregate codes in computation order: level by level, upwards, framework order within a level."""
        return list(self._aggregates)

    @property
    def levels(self) -> list[int]:
        return sorted({n.level for n in self.nodes})

    @property
    def roots(self) -> list[str]:
        return [n.code for n in self.nodes if n.parent is None]

    def children(self, code: str) -> list[str]:
        return list(self._children[code])

    def at_level(self, level: int) -> list[str]:
        return [n.code for n in self.nodes if n.level == level]

    def directions(self) -> dict[str, int]:
        return {c: self._by_code[c].direction for c in self.indicators}

    def denominator_of(self) -> dict[str, str]:
        return {c: self._by_code[c].denominator for c in self.indicators if self._by_code[c].denominator}

    # --- COINr iMeta -----------------------------------------------------------------------
    @classmethod
    def from_coinr_meta(cls, imeta: pd.DataFrame) -> "Framework":
        """COINr iMeta layout: Level, iCode, iName, Direction, Weight, Denominator, Parent, Type.
        Rows of Type Group / Denominator describe non-indicator columns and are kept aside."""
        need = {"iCode", "Level", "Parent"}
        missing = need - set(imeta.columns)
        if missing:
            raise FrameworkError(f"iMeta lacks column(s) {sorted(missing)}; COINr layout needs Level, iCode, Parent")
        typ = imeta["Type"].astype("str").str.strip() if "Type" in imeta else pd.Series("", index=imeta.index)
        groups = tuple(str(c) for c in imeta.loc[typ == "Group", "iCode"])
        denoms = tuple(str(c) for c in imeta.loc[typ == "Denominator", "iCode"])
        tree = imeta[~typ.isin(["Group", "Denominator", "Other"])]
        nodes = []
        for rec in tree.to_dict("records"):
            if _blank(rec.get("Level")):
                raise FrameworkError(f"iMeta row {rec.get('iCode')!r} has no Level")
            nodes.append(Node(
                code=rec["iCode"],
                parent=rec.get("Parent"),
                level=rec["Level"],
                weight=rec.get("Weight", 1.0),
                direction=_int_or_blank(rec.get("Direction"), rec["iCode"]),
                denominator=rec.get("Denominator"),
                name=None if _blank(rec.get("iName")) else str(rec.get("iName")),
            ))
        return cls(nodes=nodes, groups=groups, denominators=denoms)


def _int_or_blank(v, code):
    if _blank(v):
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        raise FrameworkError(f"framework node {code!r} has direction {v!r}; expected 1 or -1") from None
    return int(f) if f in (1.0, -1.0) else f
