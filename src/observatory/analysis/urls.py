from django.urls import path

from . import methodology, reports, views

urlpatterns = [
    path("analysis/", views.dashboard, name="analysis-dashboard"),
    path("analysis/tables/<slug:name>/", views.table_detail, name="analysis-table"),
    path("analysis/drilldown/", views.drilldown, name="analysis-drilldown"),
    path("analysis/compare/", views.compare, name="analysis-compare"),
    path("analysis/saved/", views.saved_list, name="analysis-saved"),
    path("analysis/saved/<slug:slug>/", views.saved_detail, name="analysis-saved-detail"),
    path("analysis/evaluations/", views.evaluations, name="analysis-evaluations"),
    path("methodology/", methodology.methodology_page, name="methodology"),
    path("analysis/reports/", reports.report_index, name="analysis-reports"),
    path("analysis/reports/annual/<int:year>/", reports.annual_view, name="analysis-annual"),
    path("analysis/reports/thematic/<slug:slug>/", reports.thematic_view,
         name="analysis-thematic"),
]
