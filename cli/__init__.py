"""Command-line tool for operators: `python -m cli --help`."""
