"""The API's one convention for keys: camelCase, as DHIS2's Web API (`nameEn`, `parentUid`, `dataElement`)."""

from __future__ import annotations

from ninja import Schema
from pydantic import ConfigDict
from pydantic.alias_generators import to_camel


class CamelSchema(Schema):
    """Output schema with snake_case attributes in Python and camelCase keys in JSON (routers set by_alias)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)
