"""Report sections, one module each, discovered automatically by :func:`~relu_regions.report.build_report`.

Add a section by adding a module here (never edit another owner's section)::

    ORDER = 40            # position; foundation uses 10-30, leave gaps
    TITLE = "My section"
    def build(ctx) -> dict: ...                 # JSON part; "_"-prefixed keys stay private
    def html(ctx, data, figdir) -> str: ...     # HTML; save PNGs into figdir
    def skip(ctx) -> str | None: ...            # optional
    DEFAULT = True                              # optional

``ctx`` is a :class:`~relu_regions.report.ReportContext` (network, data, domain, seed,
budget, options, the shared :attr:`~relu_regions.report.ReportContext.plane`).  Keep the
default report fast (a few seconds per section): poll ``ctx.budget.stop`` and say in the
JSON when a result is partial or only a bound.
"""
