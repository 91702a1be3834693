from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

code_validator = RegexValidator(r"^[A-Za-z0-9_.\-]+$", _("Use letters, digits, '_', '.' and '-'."))
