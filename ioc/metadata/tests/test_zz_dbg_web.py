import pytest
from ioc.metadata.tests.test_admin import test_category_with_inline_options_and_combo_generation as t

@pytest.mark.parametrize("mode", ["mine", "fmt_off", "mw_off", "both_off"])
def test_dbg(admin_client, settings, mode):
    if mode in ("fmt_off", "both_off"):
        settings.FORMAT_MODULE_PATH = None
    if mode in ("mw_off", "both_off"):
        settings.MIDDLEWARE = [m.replace("ioc.web.middleware.LocaleMiddleware", "django.middleware.locale.LocaleMiddleware") for m in settings.MIDDLEWARE]
    t(admin_client)
