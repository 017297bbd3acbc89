"""The ``analyze`` report: one section per module in :mod:`relu_regions.report.sections`.

:func:`build_report` runs the sections on a network, its data and the data's bounding
box, and writes ``report.json`` (schema in :mod:`relu_regions.report._schema`),
``index.html`` and PNG figures.  See :mod:`relu_regions.report._build` for the section
protocol and the failure policy; the figures are drawn with the public :mod:`relu_regions.plot`
functions (e.g. :func:`~relu_regions.plot.plot_regions`).
"""

from ._build import DEFAULT_SECTION_TIME_LIMIT, Report, SectionResult, build_report, discover_sections
from ._context import PLANE_COEFFICIENT_BOUNDS, Plane, ReportContext, SectionBudget
from ._schema import SCHEMA, SCHEMA_VERSION, check_report

__all__ = [
    "build_report",
    "Report",
    "SectionResult",
    "ReportContext",
    "Plane",
    "SectionBudget",
    "discover_sections",
    "check_report",
    "SCHEMA",
    "SCHEMA_VERSION",
    "PLANE_COEFFICIENT_BOUNDS",
    "DEFAULT_SECTION_TIME_LIMIT",
]
