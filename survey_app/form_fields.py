"""WTForms fields for money typed the Norwegian ways (`12 500`, `12 500,50`, `kr 12.500`),
read by the one money parser (forms.money), and for dates (`01.04.2023`), for the admin and
reviewer forms."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _
from wtforms import Field
from wtforms.widgets import TextInput

from forms.money import NumberError, format_amount, from_ore, parse_amount, to_ore
from survey_app.services import register


class _MoneyField(Field):
    """What was typed is shown back as typed; a stored value as `12 500` (no "kr")."""

    widget = TextInput()

    def kroner(self) -> Decimal | None:
        raise NotImplementedError

    def store(self, amount: Decimal) -> int:
        raise NotImplementedError

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        amount = self.kroner()
        return "" if amount is None else format_amount(amount).removesuffix("\u00a0kr")

    def process_formdata(self, valuelist: list[Any]) -> None:
        text = str(valuelist[0]).strip() if valuelist else ""
        self.data = None
        if not text:
            return
        try:
            amount = parse_amount(text)
        except NumberError as error:
            raise ValueError(error.text(str(get_locale()))) from error
        self.data = self.store(amount)


class KronerField(_MoneyField):
    """Whole kroner (`data` is an int): grants and budgets are decided to the krone."""

    def kroner(self) -> Decimal | None:
        return Decimal(self.data) if self.data else None

    def store(self, amount: Decimal) -> int:
        if amount != amount.to_integral_value():
            raise ValueError(_("Write the amount in whole kroner, without øre."))
        return int(amount)


class OreField(_MoneyField):
    """Kroner and øre (`data` is integer øre): a repayment may be a share with øre."""

    def kroner(self) -> Decimal | None:
        return None if self.data is None else from_ore(self.data)

    def store(self, amount: Decimal) -> int:
        return to_ore(amount)


class DateField(Field):
    """A date typed the Norwegian way (01.04.2023) or as ISO (2023-04-01)."""

    widget = TextInput()

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return self.data.strftime("%d.%m.%Y") if self.data else ""

    def process_formdata(self, valuelist: list[Any]) -> None:
        text = str(valuelist[0]).strip() if valuelist else ""
        self.data = None
        if text:
            try:
                self.data = register.parse_date(text)
            except ValueError as error:
                raise ValueError(_("Write the date as dd.mm.yyyy, for example 01.04.2023."
                                   )) from error
