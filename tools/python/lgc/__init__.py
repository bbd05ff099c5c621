"""lgc's shared Python code: safetensors I/O, model YAML, and the PyTorch equivalents of lgc's layers.

Scripts in this repository put `<repo>/tools/python` on sys.path and import the
modules they need (`from lgc import safetensors_io`); nothing is imported here,
so that the modules without PyTorch stay usable where it is not installed.
"""
