"""Structure changes (units, successions, elements, option combos, indicators, data sets) reach every
process's replica through the change log: a ValueChange row without elements means "reload the dimensions"."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save

from ioc.datavalues.models import ValueChange
from ioc.metadata.models import CategoryOptionCombo, DataElement, DataSet, Indicator
from ioc.orgunits.models import OrgUnit, Succession

WATCHED = (OrgUnit, Succession, DataElement, CategoryOptionCombo, Indicator, DataSet)


def structure_changed(sender: Any, **kwargs: Any) -> None:
    if kwargs.get("raw"):  # fixtures
        return
    ValueChange.objects.create(since=None, element_ids=[])


for model in WATCHED:
    post_save.connect(structure_changed, sender=model, dispatch_uid=f"analytics-{model.__name__}-save")
    post_delete.connect(structure_changed, sender=model, dispatch_uid=f"analytics-{model.__name__}-delete")
m2m_changed.connect(structure_changed, sender=DataSet.org_units.through, dispatch_uid="analytics-dataset-units")
