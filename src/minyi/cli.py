"""Command line: thin wrappers over services and nlp. `minyi --help` lists the commands."""

from __future__ import annotations

import importlib

import click


@click.group()
@click.version_option(package_name="minyi")
def main() -> None:
    """minyi (民意): hear, understand, route, answer and publish citizens' messages."""


# Each module below defines click commands and a `register(group)` function.
_COMMAND_MODULES = (
    "minyi.commands.platform",
    "minyi.commands.nlp",
    "minyi.commands.hot",
    "minyi.commands.ingest",
    "minyi.commands.reports",
    "minyi.commands.jobs",
    "minyi.commands.collect",
    "minyi.commands.sources",
    "minyi.commands.jurisdictions",
)

for _name in _COMMAND_MODULES:
    importlib.import_module(_name).register(main)
