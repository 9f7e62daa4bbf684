"""gpuc sub-commands, one module per group."""
