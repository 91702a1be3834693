from __future__ import annotations

from typing import Any

from django.http import HttpRequest

import ioc


def site(request: HttpRequest) -> dict[str, Any]:
    return {"IOC_VERSION": ioc.__version__}
