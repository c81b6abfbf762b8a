"""Reads and writes of the service's rows, one module per resource. Functions take a
Session and leave committing to the caller."""
