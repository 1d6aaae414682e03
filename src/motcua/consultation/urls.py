"""`/gop-y/`: the public pages (views.py) and the drafting agency's (views_staff.py)."""

from django.urls import path

from motcua.consultation import views, views_staff

app_name = "consultation"

urlpatterns = [
    path("", views.home, name="home"),
    path("du-thao/<int:pk>/", views.draft_detail, name="draft"),
    path("du-thao/<int:pk>/gop-y/", views.comment, name="comment"),
    path("du-thao/<int:pk>/tong-hop/", views.summary, name="summary"),
    path("tim-kiem/", views.search, name="search"),
    path("chi-phi/<str:code>/", views.cost, name="cost"),
    path("phuong-an/", views.plans, name="plans"),
    path("phuong-an/<int:pk>/", views.plan_detail, name="plan"),
    path("phuong-an/<int:pk>/tai-ve.xlsx", views.plan_export, name="plan_xlsx"),
    path("quan-ly/", views_staff.home, name="staff_home"),
    path("quan-ly/du-thao/moi/", views_staff.draft_new, name="draft_new"),
    path("quan-ly/du-thao/<int:pk>/", views_staff.staff_draft, name="staff_draft"),
    path("quan-ly/du-thao/<int:pk>/cong-bo/", views_staff.publish, name="publish"),
    path("quan-ly/du-thao/<int:pk>/dong/", views_staff.close, name="close"),
    path("quan-ly/y-kien/<int:pk>/kiem-duyet/", views_staff.moderate, name="moderate"),
    path("quan-ly/y-kien/<int:pk>/giai-trinh/", views_staff.answer, name="answer"),
    path("quan-ly/chi-phi/<str:code>/", views_staff.cost_edit, name="cost_edit"),
    path("quan-ly/phuong-an/moi/", views_staff.plan_new, name="plan_new"),
    path("quan-ly/phuong-an/<int:pk>/", views_staff.staff_plan, name="staff_plan"),
    path("quan-ly/phuong-an/<int:pk>/thu-tuc/", views_staff.plan_item, name="plan_item"),
]
