"""Vietnamese display of money and working time."""

from django import template

from motcua.core.worktime import HOURS_PER_DAY, WorkDuration

register = template.Library()


@register.filter
def vnd(amount: int | None) -> str:
    """150000 → '150.000 đồng' (Vietnamese groups thousands with dots)."""
    if amount is None:
        return ""
    return f"{amount:,}".replace(",", ".") + " đồng"


@register.filter
def working_time(duration: WorkDuration) -> str:
    hours = duration.minutes // 60
    if hours % HOURS_PER_DAY == 0:
        return f"{hours // HOURS_PER_DAY} ngày làm việc"
    return f"{hours} giờ làm việc"
