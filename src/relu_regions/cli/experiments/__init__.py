"""One module per ``relu-regions experiment NAME``; discovered by the ``experiment`` verb.

Each module defines::

    NAME = "pruning"                 # the sub-command name
    HELP = "one line"                # shown in ``relu-regions experiment --help``
    def add_arguments(parser): ...   # its options (``-o/--output``, ``--workers``,
                                     # ``--time-limit``, ``--progress`` and ``--json`` are common)
    def run(args) -> ExperimentResult: ...
    JSON_CONTRACT_ARGS = [...]       # a seconds-long invocation for the --json contract test
"""
