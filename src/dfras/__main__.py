"""``python -m dfras``: the same as the ``dfras`` command."""

from dfras.cli.app import main

main()
