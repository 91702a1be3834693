"""ioc — the open-source Intelligent Operations Center (Trung tâm Điều hành thông minh)."""

__version__ = "0.1.0"
