"""The one installed namespace, `socialdesk`, mapped onto the repository's top-level folders.

The repository keeps `bot/`, `handlers/` and `playbooks/` at the top (the layout the design fixes); installed,
they are `socialdesk`, `socialdesk.handlers` and the data package `socialdesk.playbooks`, so nothing named
`bot` or `handlers` lands in site-packages. The package list is read from the folders so a new subpackage
cannot be left out of the wheel. Everything else about the build is in pyproject.toml.
"""

from pathlib import Path

from setuptools import setup

HERE = Path(__file__).parent
FOLDERS = {"socialdesk": "bot", "socialdesk.handlers": "handlers", "socialdesk.playbooks": "playbooks"}


def packages_under(package: str, folder: str) -> list[str]:
    """`package` and every subpackage of it: each folder below `folder` holding an __init__.py."""
    root = HERE / folder
    found = [package]
    for init in sorted(root.rglob("__init__.py")):
        relative = init.parent.relative_to(root)
        if relative.parts:
            found.append(".".join((package, *relative.parts)))
    return found


setup(
    package_dir=FOLDERS,
    packages=[name for package, folder in FOLDERS.items() for name in packages_under(package, folder)],
)
