"""In-app notifications and their e-mails, in the recipient's language.

A Notification stores its kind and references, not its text, so that it reads in whoever's language the page
is in; the e-mail is rendered in the recipient's preferred language (User.preferred_language).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from ioc.accounts.models import User
from ioc.core.periods import parse_period
from ioc.metadata.models import DataSet
from ioc.orgunits.models import OrgUnit
from ioc.workflow.models import Notification

log = logging.getLogger(__name__)


def form_link(data_set: DataSet, org_unit: OrgUnit, period: str) -> str:
    """The page of one form's state (ioc.workflow.views.form_detail)."""
    return reverse("workflow:form") + "?" + urlencode({"ds": data_set.code, "pe": period, "ou": org_unit.uid})


def _period_name(period: str) -> str:
    try:
        return parse_period(period).name()
    except Exception:
        return period


def text(n: Notification) -> str:
    """The notification's message in the active language."""
    names = {
        "set": n.data_set.name if n.data_set else "",
        "unit": n.org_unit.name if n.org_unit else "",
        "period": _period_name(n.period),
        "reason": n.params.get("reason", ""),
        "by": n.params.get("by", ""),
        "due": n.params.get("due", ""),
        "days": n.params.get("days", ""),
    }
    if n.kind == Notification.Kind.RETURNED:
        return _("%(by)s returned the form %(set)s — %(unit)s — %(period)s: %(reason)s") % names
    if n.kind == Notification.Kind.APPROVED:
        return _("%(by)s approved the form %(set)s — %(unit)s — %(period)s") % names
    if n.kind == Notification.Kind.DUE_SOON:
        return _("The form %(set)s — %(unit)s — %(period)s is due on %(due)s and not yet submitted") % names
    return _("The form %(set)s — %(unit)s — %(period)s was due on %(due)s: %(days)s days late") % names


def create(
    user: User,
    kind: str,
    data_set: DataSet,
    org_unit: OrgUnit,
    period: str,
    **params: object,
) -> Notification:
    return Notification.objects.create(
        user=user,
        kind=kind,
        data_set=data_set,
        org_unit=org_unit,
        period=period,
        params=dict(params),
        link=form_link(data_set, org_unit, period),
    )


def _language(user: User) -> str:
    return user.preferred_language or settings.LANGUAGE_CODE


def absolute(link: str) -> str:
    base = getattr(settings, "IOC_BASE_URL", "") or ""
    return base.rstrip("/") + link


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str


def mail_for(user: User, notifications: Sequence[Notification]) -> Mail | None:
    """One e-mail for a user listing these notifications, in the user's language; None without an address."""
    if not user.email or not notifications:
        return None
    with translation.override(_language(user)):
        kinds = {n.kind for n in notifications}
        if kinds == {Notification.Kind.RETURNED}:
            subject = _("IOC: a form was returned to you")
        elif kinds <= {Notification.Kind.DUE_SOON, Notification.Kind.LATE}:
            subject = _("IOC: reminder — %(n)s reports to submit") % {"n": len(notifications)}
        else:
            subject = _("IOC: %(n)s notifications") % {"n": len(notifications)}
        lines = [_("Hello %(name)s,") % {"name": user.get_full_name() or user.username}, ""]
        for n in notifications:
            lines.append(f"- {text(n)}")
            lines.append(f"  {absolute(n.link)}")
        lines += ["", _("Intelligent Operations Center")]
    return Mail(user.email, subject, "\n".join(lines))


def send(mails: Sequence[Mail]) -> int:
    """Send the e-mails (Django's mail backend, IOC_EMAIL_BACKEND); returns how many went. A failing
    server is logged, never raised: the in-app notification is already there."""
    sent = 0
    for m in mails:
        try:
            sent += send_mail(m.subject, m.body, None, [m.to])
        except Exception:
            log.exception("could not send e-mail to %s", m.to)
    return sent
