"""Activation definitions, one module per family; each module exports SPECS."""
