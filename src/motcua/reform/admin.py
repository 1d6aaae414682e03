"""Read-only screens for administrators: plans, tasks and their reports change through
`reform.services` (checked, audited), on the pages under /cai-cach/."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from motcua.reform.models import ReformPlan, ReformTask, TaskProgress


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class TaskInline(admin.TabularInline):
    model = ReformTask
    extra = 0
    can_delete = False
    fields = ("seq", "title", "lead_agency", "deadline", "percent", "done_on")
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(ReformPlan)
class ReformPlanAdmin(_ReadOnly):
    list_display = ("number", "issued_on", "title", "agency", "year")
    list_filter = ("year",)
    search_fields = ("number", "title")
    list_select_related = ("agency",)
    inlines = [TaskInline]


class ProgressInline(admin.TabularInline):
    model = TaskProgress
    extra = 0
    can_delete = False
    fields = ("at", "by", "percent", "completes", "note")
    readonly_fields = fields

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(ReformTask)
class ReformTaskAdmin(_ReadOnly):
    list_display = ("plan", "seq", "title", "lead_agency", "deadline", "percent", "done_on")
    list_filter = ("plan__year", "done_on")
    search_fields = ("title", "plan__number")
    list_select_related = ("plan", "lead_agency")
    inlines = [ProgressInline]
