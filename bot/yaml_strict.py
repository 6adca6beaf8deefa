"""YAML as `yaml.safe_load` reads it, except that a key repeated in one mapping is an error.

`safe_load` keeps the last of two equal keys without a word, so a second `routing:` or `channel:` pasted
lower in a config silently replaces the first. `UniqueKeyLoader` notes every repeat with its line while
constructing; `load_unique` raises `DuplicateKeysError` naming all of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

MERGE_KEY = "<<"  # `<<: *defaults` merges keys that the mapping may then override: not a repeat


@dataclass(frozen=True)
class DuplicateKey:
    key: str
    line: int  # 1-based line of the second (ignored-so-far) occurrence


class DuplicateKeysError(Exception):
    """One or more mappings repeat a key; `duplicates` lists each repeat with its line."""

    def __init__(self, duplicates: list[DuplicateKey]) -> None:
        self.duplicates = duplicates
        super().__init__(
            "; ".join(f"line {d.line}: {d.key}: appears twice in the same mapping" for d in duplicates)
        )


class UniqueKeyLoader(yaml.SafeLoader):
    """The safe loader, recording each key that a mapping repeats (see `duplicates`)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[DuplicateKey] = []

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[str] = set()
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.value == MERGE_KEY:
                continue
            if key_node.value in seen:
                self.duplicates.append(DuplicateKey(key_node.value, key_node.start_mark.line + 1))
            seen.add(key_node.value)
        return super().construct_mapping(node, deep=deep)


def load_unique(text: str) -> Any:
    """`yaml.safe_load(text)`, raising `DuplicateKeysError` if any mapping repeats a key (and
    `yaml.YAMLError` for text that is not YAML)."""
    loader = UniqueKeyLoader(text)
    try:
        data = loader.get_single_data()
    finally:
        loader.dispose()
    if loader.duplicates:
        raise DuplicateKeysError(sorted(loader.duplicates, key=lambda d: d.line))
    return data
