from django.urls import path

from . import views

app_name = "articles"

urlpatterns = [
    path("", views.front_page, name="front"),
    path("news/<int:pk>-<slug:slug>/", views.article_detail, name="detail"),
    path("topics/<slug:slug>/", views.topic_page, name="topic"),
    path("providers/<slug:slug>/", views.provider_page, name="provider"),
]
