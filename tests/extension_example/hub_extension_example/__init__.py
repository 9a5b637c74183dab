"""An example extension of the instrument hub (see pyproject.toml beside this package)."""
