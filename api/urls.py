from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from api import views as v

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("v1/organisations/", v.OrganisationList.as_view(), name="api-organisations"),
    path("v1/organisations/<int:pk>/majors/", v.MajorList.as_view(), name="api-majors"),
    path("v1/applications/", v.ApplicationList.as_view(), name="api-applications"),
    path("v1/applications/<int:pk>/", v.ApplicationDetail.as_view(), name="api-application"),
    path("v1/applications/<int:pk>/lines/", v.LineCreate.as_view(), name="api-lines"),
    path("v1/applications/<int:pk>/lines/<int:line_pk>/", v.LineDetail.as_view(), name="api-line"),
    path("v1/applications/<int:pk>/attachments/", v.AttachmentUpload.as_view(), name="api-attachments"),
    path("v1/applications/<int:pk>/sign/", v.ApplicationAction.as_view(action="sign"), name="api-sign"),
    path("v1/applications/<int:pk>/submit/", v.ApplicationAction.as_view(action="submit"), name="api-submit"),
    path(
        "v1/applications/<int:pk>/withdraw/",
        v.ApplicationAction.as_view(action="withdraw"),
        name="api-withdraw",
    ),
    path(
        "v1/applications/<int:pk>/respond/", v.ApplicationAction.as_view(action="respond"), name="api-respond"
    ),
    path("v1/tasks/", v.TaskList.as_view(), name="api-tasks"),
    path("v1/tasks/<int:pk>/claim/", v.TaskAction.as_view(action="claim"), name="api-task-claim"),
    path("v1/tasks/<int:pk>/release/", v.TaskAction.as_view(action="release"), name="api-task-release"),
    path("v1/tasks/<int:pk>/transfer/", v.TaskAction.as_view(action="transfer"), name="api-task-transfer"),
    path("v1/tasks/<int:pk>/decide/", v.TaskDecide.as_view(), name="api-task-decide"),
    path("v1/publicity/", v.PublicityList.as_view(), name="api-publicity"),
    path("v1/publicity/<int:pk>/objections/", v.ObjectionCreate.as_view(), name="api-objections"),
    path("v1/plans/", v.PlanList.as_view(), name="api-plans"),
    path("v1/plans/<int:pk>/", v.PlanDetail.as_view(), name="api-plan"),
    path("v1/plans/<int:pk>/sittings/", v.SittingCreate.as_view(), name="api-sittings"),
    path("v1/plans/<int:pk>/roster/", v.RosterUpload.as_view(), name="api-roster"),
    path("v1/plans/<int:pk>/registrations/", v.RegistrationList.as_view(), name="api-registrations"),
    path("v1/plans/<int:pk>/scores/", v.ScoreEntry.as_view(), name="api-scores"),
    path("v1/plans/<int:pk>/certificate-batches/", v.BatchCreate.as_view(), name="api-batch-create"),
    path("v1/plans/<int:pk>/actions/<str:action>/", v.PlanAction.as_view(), name="api-plan-action"),
    path("v1/certificate-batches/<int:pk>/", v.BatchDetail.as_view(), name="api-batch"),
    path("v1/certificates/", v.CertificateList.as_view(), name="api-certificates"),
    path("v1/certificates/<int:pk>/revoke/", v.CertificateAction.as_view(action="revoke"), name="api-revoke"),
    path(
        "v1/certificates/<int:pk>/reissue/", v.CertificateAction.as_view(action="reissue"), name="api-reissue"
    ),
    path("v1/national-reports/", v.NationalReportList.as_view(), name="api-national-reports"),
    path("v1/verify/", v.Verify.as_view(), name="api-verify"),
]
