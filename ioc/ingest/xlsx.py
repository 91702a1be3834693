"""XLSX: the data-entry template of a data set (build_template) and the parser of uploaded workbooks
(parse_xlsx), the one format both written and read by IOC.

The entry point other modules and tests import from; the work is done in xlsx_template (the workbook we
hand out), xlsx_parse (the workbook we get back: xlsx_checks on the file, xlsx_layouts on each sheet,
xlsx_cells on each cell) and xlsx_format (what both sides agree on).
"""

from ioc.ingest.xlsx_format import CONTENT_TYPE, SHEET_DATA, SHEET_HELP, SHEET_META
from ioc.ingest.xlsx_parse import locate, parse_xlsx
from ioc.ingest.xlsx_template import build_template, template_filename

__all__ = [
    "CONTENT_TYPE",
    "SHEET_DATA",
    "SHEET_HELP",
    "SHEET_META",
    "build_template",
    "locate",
    "parse_xlsx",
    "template_filename",
]
