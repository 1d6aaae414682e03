"""`{% bundles_with procedure as bundles %}`: the bundles a procedure belongs to, for the
procedure page's link to applying for them together."""

from __future__ import annotations

from django import template

from motcua.bundles.models import Bundle
from motcua.bundles.selectors import bundles_active, bundles_with_procedure

register = template.Library()


@register.simple_tag
def bundles_with(procedure) -> list[Bundle]:
    return bundles_with_procedure(procedure.pk)


@register.simple_tag
def bundles_all() -> list[Bundle]:
    return list(bundles_active())
