from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from api.auth import SchemaAccess
from api.views import (
    agreements,
    annual_tasks,
    appointments,
    complaints,
    events,
    national,
    plans,
    public,
    recognition,
    reference,
    staff,
    staffing,
    supervision,
    tasks,
)
from api.views import applications as apps
from api.views import certificates as certs
from api.views.auth import TokenView


def app_action(action):
    return apps.ApplicationAction.as_view(action=action)


def task_action(action):
    return tasks.TaskAction.as_view(action=action)


def certificate_action(action):
    return certs.CertificateAction.as_view(action=action)


urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(permission_classes=[SchemaAccess]), name="api-schema"),
    path("v1/auth/token/", TokenView.as_view(), name="api-token"),
    path("v1/organisations/", apps.OrganisationList.as_view(), name="api-organisations"),
    path("v1/organisations/<int:pk>/majors/", apps.MajorList.as_view(), name="api-majors"),
    path("v1/applications/", apps.ApplicationList.as_view(), name="api-applications"),
    path("v1/applications/<int:pk>/", apps.ApplicationDetail.as_view(), name="api-application"),
    path("v1/applications/<int:pk>/lines/", apps.LineCreate.as_view(), name="api-lines"),
    path("v1/applications/<int:pk>/lines/<int:line_pk>/", apps.LineDetail.as_view(), name="api-line"),
    path("v1/applications/<int:pk>/attachments/", apps.AttachmentUpload.as_view(), name="api-attachments"),
    path(
        "v1/applications/<int:pk>/attachments/<int:attachment_pk>/",
        apps.AttachmentDetail.as_view(),
        name="api-attachment",
    ),
    path(
        "v1/applications/<int:pk>/attachments/<int:attachment_pk>/replace/",
        apps.AttachmentReplace.as_view(),
        name="api-attachment-replace",
    ),
    path("v1/applications/<int:pk>/sign/", app_action("sign"), name="api-sign"),
    path("v1/applications/<int:pk>/extend/", app_action("extend"), name="api-extend"),
    path("v1/applications/<int:pk>/submit/", app_action("submit"), name="api-submit"),
    path(
        "v1/applications/<int:pk>/withdraw/",
        app_action("withdraw"),
        name="api-withdraw",
    ),
    path(
        "v1/applications/<int:pk>/respond/",
        app_action("respond"),
        name="api-respond",
    ),
    path("v1/tasks/", tasks.TaskList.as_view(), name="api-tasks"),
    path("v1/tasks/<int:pk>/claim/", task_action("claim"), name="api-task-claim"),
    path("v1/tasks/<int:pk>/release/", task_action("release"), name="api-task-release"),
    path("v1/tasks/<int:pk>/transfer/", task_action("transfer"), name="api-task-transfer"),
    path("v1/tasks/<int:pk>/decide/", tasks.TaskDecide.as_view(), name="api-task-decide"),
    path("v1/tasks/<int:pk>/urge/", tasks.TaskUrge.as_view(), name="api-task-urge"),
    path("v1/tasks/<int:pk>/take-back/", tasks.TaskTakeBack.as_view(), name="api-task-take-back"),
    path("v1/tasks/<int:pk>/send-back/", tasks.TaskSendBack.as_view(), name="api-task-send-back"),
    path("v1/tasks/batch/", tasks.TaskBatch.as_view(), name="api-task-batch"),
    path("v1/deputies/", tasks.DeputyList.as_view(), name="api-deputies"),
    path("v1/tasks/<int:pk>/copy/", tasks.TaskCopyView.as_view(), name="api-task-copy"),
    path("v1/copies/", tasks.CopyList.as_view(), name="api-copies"),
    path("v1/deputies/<int:pk>/revoke/", tasks.DeputyRevoke.as_view(), name="api-deputy-revoke"),
    path("v1/publicity/", public.PublicityList.as_view(), name="api-publicity"),
    path("v1/publicity/<int:pk>/objections/", public.ObjectionCreate.as_view(), name="api-objections"),
    path(
        "v1/publicity/<int:pk>/objections/confirm/",
        public.ObjectionConfirm.as_view(),
        name="api-objection-confirm",
    ),
    path(
        "v1/applications/<int:pk>/objections/",
        apps.ObjectionList.as_view(),
        name="api-application-objections",
    ),
    path(
        "v1/applications/<int:pk>/objections/dismiss/",
        apps.ObjectionsDismiss.as_view(),
        name="api-objections-dismiss",
    ),
    path(
        "v1/applications/<int:pk>/objections/<int:objection_pk>/decide/",
        apps.ObjectionDecide.as_view(),
        name="api-objection-decide",
    ),
    path("v1/plans/", plans.PlanList.as_view(), name="api-plans"),
    path("v1/plans/<int:pk>/", plans.PlanDetail.as_view(), name="api-plan"),
    path("v1/plans/<int:pk>/sittings/", plans.SittingCreate.as_view(), name="api-sittings"),
    path("v1/plans/<int:pk>/roster/", plans.RosterUpload.as_view(), name="api-roster"),
    path("v1/plans/<int:pk>/registrations/", plans.RegistrationList.as_view(), name="api-registrations"),
    path(
        "v1/plans/<int:pk>/registrations/<int:registration_pk>/photo/",
        plans.RegistrationPhoto.as_view(),
        name="api-registration-photo",
    ),
    path("v1/plans/<int:pk>/scores/", plans.ScoreEntry.as_view(), name="api-scores"),
    path("v1/plans/<int:pk>/certificate-batches/", certs.BatchCreate.as_view(), name="api-batch-create"),
    path("v1/plans/<int:pk>/actions/<str:action>/", plans.PlanAction.as_view(), name="api-plan-action"),
    path("v1/certificate-batches/<int:pk>/", certs.BatchDetail.as_view(), name="api-batch"),
    path("v1/certificates/", certs.CertificateList.as_view(), name="api-certificates"),
    path(
        "v1/certificates/<int:pk>/revoke/",
        certificate_action("revoke"),
        name="api-revoke",
    ),
    path(
        "v1/certificates/<int:pk>/reissue/",
        certificate_action("reissue"),
        name="api-reissue",
    ),
    path("v1/national-reports/", national.NationalReportList.as_view(), name="api-national-reports"),
    path("v1/national-reports/answers/", national.NationalAnswers.as_view(), name="api-national-answers"),
    path("v1/verify/", public.Verify.as_view(), name="api-verify"),
    path("v1/verify/bulk/", public.VerifyBulk.as_view(), name="api-verify-bulk"),
    path("v1/verify/person/", public.VerifyPerson.as_view(), name="api-verify-person"),
    path("v1/statistics/certificates/", certs.Statistics.as_view(), name="api-statistics"),
    path("v1/events/", events.EventFeed.as_view(), name="api-events"),
    path("v1/certificates/<int:pk>/", certs.CertificateDetail.as_view(), name="api-certificate"),
    path("v1/certificates/<int:pk>/pdf/", certs.CertificatePdf.as_view(), name="api-certificate-pdf"),
    path(
        "v1/certificates/<int:pk>/credential/",
        certs.CertificateCredential.as_view(),
        name="api-certificate-credential",
    ),
    path("v1/certificate-batches/<int:pk>/zip/", certs.BatchZip.as_view(), name="api-batch-zip"),
    path(
        "v1/national-reports/<int:pk>/file/", national.NationalReportFile.as_view(), name="api-national-file"
    ),
    path(
        "v1/national-reports/<int:pk>/acknowledge/",
        national.NationalReportAcknowledge.as_view(),
        name="api-national-acknowledge",
    ),
    path("v1/offerings/", reference.OfferingList.as_view(), name="api-offerings"),
    path("v1/bodies/", reference.BodyList.as_view(), name="api-bodies"),
    path("v1/experts/", reference.ExpertList.as_view(), name="api-experts"),
    path(
        "v1/applications/<int:pk>/corrections/",
        apps.CorrectionList.as_view(),
        name="api-application-corrections",
    ),
    path("v1/evaluators/", staffing.EvaluatorList.as_view(), name="api-evaluators"),
    path("v1/evaluators/<int:pk>/", staffing.EvaluatorDetail.as_view(), name="api-evaluator"),
    path(
        "v1/evaluators/<int:pk>/deactivate/",
        staffing.EvaluatorDeactivate.as_view(),
        name="api-evaluator-deactivate",
    ),
    path(
        "v1/evaluators/<int:pk>/activate/",
        staffing.EvaluatorActivate.as_view(),
        name="api-evaluator-activate",
    ),
    path("v1/plans/<int:pk>/staff/", staffing.PlanStaff.as_view(), name="api-staff"),
    path(
        "v1/plans/<int:pk>/staff/candidates/",
        staffing.StaffCandidates.as_view(),
        name="api-staff-candidates",
    ),
    path("v1/plans/<int:pk>/staff/<int:staff_pk>/", staffing.StaffDetail.as_view(), name="api-staff-one"),
    path(
        "v1/plans/<int:pk>/staff/<int:staff_pk>/replace/",
        staffing.StaffReplace.as_view(),
        name="api-staff-replace",
    ),
    path("v1/plans/<int:pk>/recusals/", staffing.Recusals.as_view(), name="api-recusals"),
    path(
        "v1/plans/<int:pk>/sittings/<int:sitting_pk>/supervision-report/",
        supervision.SittingReport.as_view(),
        name="api-supervision-report",
    ),
    path("v1/staff/", staff.StaffList.as_view(), name="api-staff"),
    path("v1/staff/import/", staff.StaffUpload.as_view(), name="api-staff-import"),
    path("v1/staff/holding/", staff.Holding.as_view(), name="api-staff-holding"),
    path("v1/staff/<int:pk>/", staff.StaffDetail.as_view(), name="api-staff-member"),
    path("v1/indicators/", annual_tasks.IndicatorList.as_view(), name="api-indicators"),
    path("v1/task-lists/", annual_tasks.TaskListList.as_view(), name="api-task-lists"),
    path("v1/task-lists/<int:pk>/", annual_tasks.TaskListDetail.as_view(), name="api-task-list"),
    path(
        "v1/task-lists/<int:pk>/<str:action>/",
        annual_tasks.TaskListAction.as_view(),
        name="api-task-list-action",
    ),
    path("v1/appointments/", appointments.AppointmentList.as_view(), name="api-appointments"),
    path("v1/appointments/<int:pk>/", appointments.AppointmentDetail.as_view(), name="api-appointment"),
    path(
        "v1/appointments/<int:pk>/<str:action>/",
        appointments.AppointmentAction.as_view(),
        name="api-appointment-action",
    ),
    path("v1/catalogue/", supervision.CatalogueList.as_view(), name="api-catalogue"),
    path("v1/promotion-rules/", recognition.PromotionRules.as_view(), name="api-promotion-rules"),
    path("v1/competitions/", recognition.CompetitionList.as_view(), name="api-competitions"),
    path("v1/competitions/<int:pk>/", recognition.CompetitionDetail.as_view(), name="api-competition"),
    path(
        "v1/competitions/<int:pk>/results/",
        recognition.CompetitionResults.as_view(),
        name="api-competition-results",
    ),
    path(
        "v1/competitions/<int:pk>/results/upload/",
        recognition.CompetitionResultsUpload.as_view(),
        name="api-competition-results-upload",
    ),
    path(
        "v1/competitions/<int:pk>/decide/",
        recognition.CompetitionDecide.as_view(),
        name="api-competition-decide",
    ),
    path("v1/plans/<int:pk>/recognition/", recognition.Evidence.as_view(), name="api-recognition"),
    path(
        "v1/plans/<int:pk>/recognition/<int:registration_pk>/",
        recognition.EvidenceDetail.as_view(),
        name="api-recognition-one",
    ),
    path("v1/catalogue/spot-checks/", supervision.PublishedSpotChecks.as_view(), name="api-spot-checks"),
    path("v1/catalogue/<str:code>/", supervision.CatalogueDetail.as_view(), name="api-catalogue-body"),
    path("v1/bodies/", supervision.BodyList.as_view(), name="api-bodies"),
    path("v1/bodies/<int:pk>/", supervision.BodyDetail.as_view(), name="api-body"),
    path("v1/bodies/<int:pk>/<str:action>/", supervision.action_view("body"), name="api-body-action"),
    path(
        "v1/rectifications/<int:pk>/<str:action>/",
        supervision.action_view("order"),
        name="api-rectification-action",
    ),
    path("v1/filed-lines/<int:pk>/<str:action>/", supervision.action_view("line"), name="api-line-action"),
    path("v1/agreements/", agreements.AgreementList.as_view(), name="api-agreements"),
    path("v1/agreements/<int:pk>/", agreements.AgreementDetail.as_view(), name="api-agreement"),
    path(
        "v1/agreements/<int:pk>/<str:action>/",
        agreements.AgreementAction.as_view(),
        name="api-agreement-action",
    ),
    path(
        "v1/organisations/<int:pk>/coverage/",
        agreements.OrganisationCoverage.as_view(),
        name="api-coverage",
    ),
    path("v1/coverage/", agreements.CityCoverage.as_view(), name="api-city-coverage"),
    path("v1/complaints/", complaints.ComplaintList.as_view(), name="api-complaints"),
    path("v1/complaints/confirm/", complaints.ComplaintConfirm.as_view(), name="api-complaint-confirm"),
    path("v1/complaints/<int:pk>/", complaints.ComplaintDetail.as_view(), name="api-complaint"),
]
