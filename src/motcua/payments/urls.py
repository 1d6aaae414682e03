from django.urls import path

from motcua.payments import views, views_sandbox

app_name = "payments"
urlpatterns = [
    path("ipn/<str:gateway>/", views.ipn, name="ipn"),
    path("ket-qua/<str:gateway>/", views.payment_return, name="return"),
    path("bien-lai/<str:order_ref>.pdf", views.receipt, name="receipt"),
    path("quay/<str:code>/", views.counter, name="counter"),
    path("hoan-tien/", views.refunds, name="refunds"),
    path("hoan-tien/<int:refund_id>/", views.refund_settle_view, name="refund_settle"),
    path("sandbox/<str:gateway>/", views_sandbox.sandbox_page, name="sandbox_page"),
    path("<str:reference>/", views.pay, name="pay"),
]
