"""Terminal tables with rich: what a person reads first."""

from __future__ import annotations

import io

from calculator.report.model import SCHEMA_VERSION, Column, Report
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
    if report.headline:
        for f in report.headline.figures:
            console.print(f"  {_esc(f.label)}: [bold]{_esc(display(f.value, Column('', '', f.kind)))}[/bold]")
        if report.headline.recommendation:
            console.print(f"  {_esc(report.headline.recommendation)}")
    parts = report.all_parts()
    for part, table in [(p, t) for p in parts for t in p.shown_tables()]:
        title = f"{part.title}: {table.title}" if len(parts) > 1 else table.title
        rt = RichTable(title=_esc(title), box=box.SIMPLE_HEAD, title_justify="left",
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
