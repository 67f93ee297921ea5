"""Exact money formatting: DECIMAL in, text out, rounded once to the currency's minor unit.

Amounts arrive from DuckDB as `decimal.Decimal` (the marts are DECIMAL(38, 12)); they are never
turned into floats for display, so a displayed total is the mart's total rounded half-up to the
cent (or to the currency's minor unit: 0 digits for JPY, 3 for KWD, ...).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

# ISO 4217 minor units that differ from 2, and symbols for the common reporting currencies.
MINOR_UNITS = {
    "BHD": 3,
    "CLP": 0,
    "ISK": 0,
    "JOD": 3,
    "JPY": 0,
    "KRW": 0,
    "KWD": 3,
    "OMR": 3,
    "TND": 3,
    "VND": 0,
}
SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹", "CHF": "CHF ", "CAD": "CA$"}


def minor_units(currency: str) -> int:
    return MINOR_UNITS.get(currency.upper(), 2)


def quantize(amount: Decimal | int | None, currency: str, digits: int | None = None) -> Decimal:
    """The amount rounded half-up to the currency's minor unit (NULL counts as zero)."""
    if amount is None:
        amount = Decimal(0)
    if isinstance(amount, float):
        raise TypeError(f"money must be Decimal, not float ({amount!r}): keep DECIMAL columns")
    exponent = Decimal(1).scaleb(-(minor_units(currency) if digits is None else digits))
    return Decimal(amount).quantize(exponent, rounding=ROUND_HALF_UP)


def plain(amount: Decimal | int | None, currency: str, digits: int | None = None) -> str:
    """Machine-readable exact text, e.g. '1234567.89' (used in data-value attributes)."""
    return str(quantize(amount, currency, digits))


def money(
    amount: Decimal | int | None,
    currency: str,
    *,
    signed: bool = False,
    digits: int | None = None,
) -> str:
    """Display text, e.g. '$1,234,567.89', '-$12.30', '+$5.00' (signed) or '1,234.50 SEK'."""
    value = quantize(amount, currency, digits)
    digits = minor_units(currency) if digits is None else digits
    body = f"{abs(value):,.{digits}f}"
    sign = "-" if value < 0 else ("+" if signed and value > 0 else "")
    symbol = SYMBOLS.get(currency.upper())
    return f"{sign}{symbol}{body}" if symbol else f"{sign}{body} {currency.upper()}"


def percent(ratio: Decimal | float | None, *, signed: bool = False, digits: int = 1) -> str:
    """A ratio (0.1234) as '12.3 %'; 'n/a' for NULL (no base to compare with)."""
    if ratio is None:
        return "n/a"
    value = Decimal(str(ratio)) * 100
    value = value.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    if value == 0:
        value = abs(value)  # no '-0.0 %'
    sign = "+" if signed and value > 0 else ""
    return f"{sign}{value:,.{digits}f} %"


def ratio(part: Decimal | None, whole: Decimal | None) -> Decimal | None:
    """part / whole as an exact Decimal, None when there is no (non-zero) base."""
    if part is None or not whole:
        return None
    return Decimal(part) / Decimal(whole)


def unit_money(amount: Decimal | None, currency: str) -> str:
    """A unit cost (a ratio, never added up) with four decimals so small ones stay visible."""
    return "n/a" if amount is None else money(amount, currency, digits=4)
