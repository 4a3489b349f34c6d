"""cruddur-ops: deploy and operate Cruddur with tested, importable tasks."""

__version__ = "0.1.0"
