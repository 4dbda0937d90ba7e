"""The reports' period form (a GET form: it reads, it changes nothing)."""

from __future__ import annotations

from wtforms import DateField
from wtforms.validators import InputRequired, ValidationError

from coordinator.forms import BaseForm, supported_date
from coordinator.i18n import lazy_gettext as _l
from coordinator.insight.reports import MAX_PERIOD_DAYS


class ReportPeriodForm(BaseForm):
    class Meta(BaseForm.Meta):
        csrf = False

    start = DateField(
        _l("From"), validators=[InputRequired(_l("Choose the first day.")), supported_date]
    )
    end = DateField(
        _l("To (inclusive)"), validators=[InputRequired(_l("Choose the last day.")), supported_date]
    )

    def validate_end(self, field):
        if self.start.data and field.data:
            if field.data < self.start.data:
                raise ValidationError(_l("The last day must not come before the first day."))
            if (field.data - self.start.data).days > MAX_PERIOD_DAYS:
                raise ValidationError(_l("Choose a period of ten years at most."))
