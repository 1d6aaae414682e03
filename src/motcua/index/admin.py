from django.contrib import admin

from motcua.index.models import IndexDefinition


@admin.register(IndexDefinition)
class IndexDefinitionAdmin(admin.ModelAdmin):
    list_display = ["version", "title", "valid_from"]
