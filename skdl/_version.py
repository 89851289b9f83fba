"""The version of skdl: read by ``skdl.__version__`` and written into saved models."""

__version__ = "0.1.0.dev0"
