"""Number and date formats (settings.FORMAT_MODULE_PATH): Django's Vietnamese locale has no digit grouping;
ours groups thousands with "." (1.234.567) and writes dates as 31/12/2025."""
