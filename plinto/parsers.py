"""Request body parsers for the API."""

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, with nesting too deep for Python's decoder rejected as a 400.

    The standard library decoder raises RecursionError at a depth near the interpreter's recursion
    limit (about 1,000), and DRF turns only ValueError into a parse error, so a body such as
    10,000 `[` would otherwise end in a 500.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("JSON parse error - the document is nested too deeply; flatten it.") from exc
