"""The language of the pages: Vietnamese unless the user chose English.

Django's LocaleMiddleware would follow the browser's Accept-Language, so an official whose browser is in
English would get English pages. Here the language is the one chosen with the switch in the header (the
LANGUAGE_COOKIE_NAME cookie set by /i18n/setlang/), else settings.LANGUAGE_CODE (Vietnamese). The API is the
exception: a program has no cookie, so there Accept-Language chooses (e.g. `Accept-Language: en`).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.utils import translation


def language_for(request: HttpRequest) -> str:
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if chosen and chosen in dict(settings.LANGUAGES):
        return chosen
    if request.path.startswith("/api/"):
        return translation.get_language_from_request(request)
    return settings.LANGUAGE_CODE


class LocaleMiddleware(DjangoLocaleMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        translation.activate(language_for(request))
        request.LANGUAGE_CODE = translation.get_language()
