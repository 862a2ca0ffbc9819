"""Terminal tables with rich: what a person reads first."""

from __future__ import annotations

import io

from calculator.report_legacy import SCHEMA_VERSION, Report
from reports.cells import display, is_numeric


def render(report: Report, *, color: bool = False, width: int | None = None) -> str:
    from rich import box
    from rich.console import Console
    from rich.table import Table as RichTable

    if width is None:
        import shutil

        # On a terminal use its width; piped output gets room so tables do not fold.
        width = shutil.get_terminal_size((160, 24)).columns if color else 160
    buf = io.StringIO()
    console = Console(file=buf, force_terminal=color, no_color=not color, width=width,
                      highlight=False, emoji=False, legacy_windows=False)
    console.print(f"[bold]{_esc(report.title)}[/bold]")
    for label, value in report.summary:
        console.print(f"  {_esc(label)}: [bold]{_esc(value)}[/bold]")
    for table in report.tables():
        rt = RichTable(title=_esc(table.title), box=box.SIMPLE_HEAD, title_justify="left",
                       caption=_esc(table.caption) if table.caption else None, caption_justify="left")
        for c in table.columns:
            rt.add_column(_esc(c.label), justify="right" if is_numeric(c) else "left",
                          overflow="fold", no_wrap=c is not table.columns[-1] or is_numeric(c))
        for row in table.rows:
            rt.add_row(*[_esc(display(row.get(c.key), c)) for c in table.columns])
        console.print(rt)
    if report.assumptions:
        console.print("[bold]Assumptions[/bold]")
        for a in report.assumptions:
            console.print(f"  • {_esc(a)}")
    if report.warnings:
        console.print("[bold yellow]Warnings[/bold yellow]")
        for w in report.warnings:
            console.print(f"  ⚠ {_esc(w)}")
    console.print(f"[dim]Catalogue {_esc(report.catalogue_version)} · report schema {SCHEMA_VERSION}[/dim]")
    return buf.getvalue()


def _esc(text: str) -> str:
    from rich.markup import escape

    return escape(str(text))
