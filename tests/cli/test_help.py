"""Every command, option and argument says what it is for (as sqlite-utils checks): a user reading
`batchcalc COMMAND --help` never meets a name without a sentence."""

from __future__ import annotations

from typing import Annotated, Optional

import pytest
import typer
import typer.main

from calculator.cli import app


def commands(application: typer.Typer = app) -> dict:
    return dict(typer.main.get_command(application).commands)


def undocumented(command) -> list[str]:
    """The options and arguments of ``command`` without help text (the automatic --help aside)."""
    return [param.opts[0] for param in command.params
            if param.param_type_name in ("option", "argument") and param.name != "help"
            and not (getattr(param, "help", None) or "").strip()]


def test_the_commands_of_the_design_are_all_there():
    assert {"prices", "estimate", "count", "plan", "usage", "reconcile", "report", "check",
            "batches"} <= set(commands())


@pytest.mark.parametrize("name", sorted(commands()))
def test_every_command_has_help_text(name):
    assert (commands()[name].help or "").strip(), f"`batchcalc {name}` has no help text"


@pytest.mark.parametrize("name", sorted(commands()))
def test_every_option_and_argument_has_help_text(name):
    assert undocumented(commands()[name]) == []


def test_the_global_options_have_help_text():
    assert undocumented(typer.main.get_command(app)) == []


def test_the_check_finds_what_has_no_help():
    bare = typer.Typer()

    @bare.command()
    def said(path: Annotated[str, typer.Argument()],
             loud: Annotated[bool, typer.Option("--loud", help="Say it loudly.")] = False,
             quiet: Annotated[Optional[str], typer.Option("--quiet")] = None):
        """A command."""

    @bare.command()
    def other():
        """Another."""

    assert undocumented(commands(bare)["said"]) == ["path", "--quiet"]


@pytest.mark.parametrize("name", sorted(commands()))
def test_help_prints_every_option(name, cli):
    r = cli(name, "--help")
    assert r.code == 0, r.err
    for param in commands()[name].params:
        if param.param_type_name == "option" and not param.hidden:
            assert param.opts[0] in r.out, f"{param.opts[0]} missing from `batchcalc {name} --help`"
