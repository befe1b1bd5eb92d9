"""The ``sealpost`` command line (Typer): one module per command group."""
