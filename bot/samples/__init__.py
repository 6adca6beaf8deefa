"""What socialdesk ships besides code: the sample config and the crisis playbooks, read as package data.

Installed from a wheel, the repository's top level is not there; `importlib.resources` finds the files
wherever the package is (site-packages, an editable checkout, a zip), so `demo`, `init` and the default
config work from any folder.
"""

from __future__ import annotations

import atexit
from contextlib import ExitStack
from importlib.resources import as_file, files
from importlib.resources.abc import Traversable
from pathlib import Path

SAMPLE_CONFIG_NAME = "socialdesk.example.yaml"
ENV_EXAMPLE_NAME = "env.example"  # written as `.env.example`: a dot-file is easy to lose in a wheel
PLAYBOOK_PATTERNS = (".yaml", ".yml")

_extracted = ExitStack()  # a zipped install: files extracted once, removed at exit
atexit.register(_extracted.close)


def _as_path(resource: Traversable) -> Path:
    """A real file system path for a resource (it already is one unless the package is zipped; a
    zipped folder needs Python 3.12's `as_file`)."""
    if isinstance(resource, Path):
        return resource
    return _extracted.enter_context(as_file(resource))


def sample_config() -> Traversable:
    """The shipped sample config, `socialdesk.example.yaml`, commented key by key."""
    return files(__name__) / SAMPLE_CONFIG_NAME


def sample_config_path() -> Path:
    """The shipped sample config as a path (loaders and error messages name a file)."""
    return _as_path(sample_config())


def env_example() -> Traversable:
    """Every environment variable socialdesk reads, commented, secrets empty."""
    return files(__name__) / ENV_EXAMPLE_NAME


def shipped_playbooks() -> Traversable:
    """The folder of the shipped crisis playbooks (the data package `socialdesk.playbooks`)."""
    return files("socialdesk.playbooks")


def shipped_playbooks_path() -> Path:
    """The shipped playbooks' folder as a path (the loader globs a folder)."""
    return _as_path(shipped_playbooks())


def playbook_resources() -> list[Traversable]:
    """The shipped playbook files, sorted by name."""
    found = [item for item in shipped_playbooks().iterdir() if item.name.endswith(PLAYBOOK_PATTERNS)]
    return sorted(found, key=lambda item: item.name)
