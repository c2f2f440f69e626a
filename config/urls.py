"""Root URLconf: admin, login, public pages, and the viewflow site (home, applications, tasks)."""

from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from viewflow.contrib.auth import AuthViewset
from viewflow.urls import Application, Site

from config import health, metrics
from filing.views import annual_tasks as task_list_views
from filing.views import applications as app_views
from filing.views import appointments as appointment_views
from filing.views import attachments as attachment_views
from filing.views import audit as audit_views
from filing.views import (
    catalogue,
    city_dashboard,
    coverage,
    credentials,
    holders,
    public,
    verify,
    verify_person,
)
from filing.views import certificates as cert_views
from filing.views import complaints as complaint_views
from filing.views import national as national_views
from filing.views import plans as plan_views
from filing.views import publicity as publicity_views
from filing.views import recognition as recognition_views
from filing.views import roster as roster_views
from filing.views import sittings as sitting_views
from filing.views import spot_checks as spot_check_views
from filing.views import staff as staff_views
from filing.views import staffing as staffing_views
from filing.views import supervision as supervision_views
from filing.views.home import HomeView
from filing.views.language import switch_language
from filing.views.security import SecondFactorView, ThrottledPasswordResetView
from notifications import views as notification_views
from workflows import operation_views
from workflows import views as task_views
from workflows.charts import ProcessChartView


class SiteAuthViewset(AuthViewset):
    """viewflow's account pages, with the password reset throttled per client and per address."""

    pass_reset_view_class = ThrottledPasswordResetView


site = Site(
    title=_("上海市技能评价备案"),
    viewsets=[
        Application(
            app_name="home",
            icon="home",
            title=_("首页"),
            menu_template_name=None,
            urlpatterns=[path("", HomeView.as_view(), name="index")],
        ),
        Application(
            app_name="applications",
            icon="assignment",
            title=_("备案申请"),
            menu_template_name=None,
            urlpatterns=[
                path("", app_views.ApplicationListView.as_view(), name="index"),
                path("new/", app_views.ApplicationCreateView.as_view(), name="create"),
                path("<int:pk>/", app_views.ApplicationDetailView.as_view(), name="detail"),
                path("<int:pk>/edit/", app_views.ApplicationEditView.as_view(), name="edit"),
                path("<int:pk>/lines/new/", app_views.LineCreateView.as_view(), name="line_create"),
                path(
                    "<int:pk>/lines/<int:line_pk>/edit/", app_views.LineEditView.as_view(), name="line_edit"
                ),
                path(
                    "<int:pk>/lines/<int:line_pk>/delete/",
                    app_views.LineDeleteView.as_view(),
                    name="line_delete",
                ),
                path(
                    "<int:pk>/attachments/new/",
                    attachment_views.AttachmentUploadView.as_view(),
                    name="attachment_upload",
                ),
                path(
                    "<int:pk>/attachments/<int:attachment_pk>/replace/",
                    attachment_views.AttachmentReplaceView.as_view(),
                    name="attachment_replace",
                ),
                path(
                    "<int:pk>/attachments/<int:attachment_pk>/remove/",
                    attachment_views.AttachmentRemoveView.as_view(),
                    name="attachment_remove",
                ),
                path("<int:pk>/sign/", app_views.SignView.as_view(), name="sign"),
                path("<int:pk>/submit/", app_views.SubmitView.as_view(), name="submit"),
                path("<int:pk>/withdraw/", app_views.WithdrawView.as_view(), name="withdraw"),
                path("<int:pk>/respond/", app_views.RespondView.as_view(), name="respond"),
                path("<int:pk>/extend/", app_views.ExtendClockView.as_view(), name="extend"),
                path(
                    "<int:pk>/objections/dismiss/",
                    publicity_views.ObjectionsDismissView.as_view(),
                    name="objections_dismiss",
                ),
                path(
                    "<int:pk>/objections/<int:objection_pk>/decide/",
                    publicity_views.ObjectionDecideView.as_view(),
                    name="objection_decide",
                ),
                path(
                    "attachments/<int:pk>/",
                    attachment_views.AttachmentDownloadView.as_view(),
                    name="attachment_download",
                ),
            ],
        ),
        Application(
            app_name="plans",
            icon="event_note",
            title=_("认定计划"),
            menu_template_name=None,
            urlpatterns=[
                path("", plan_views.PlanListView.as_view(), name="index"),
                path("new/", plan_views.PlanCreateView.as_view(), name="create"),
                path("roster-template/", roster_views.RosterTemplateView.as_view(), name="roster_template"),
                path("coverage/", coverage.CoverageView.as_view(), name="coverage"),
                path("coverage/city/", coverage.CityCoverageView.as_view(), name="coverage_city"),
                path("coverage/<int:org_pk>/", coverage.CoverageView.as_view(), name="coverage_org"),
                path("agreements/", coverage.AgreementListView.as_view(), name="agreement_list"),
                path("agreements/new/", coverage.AgreementCreateView.as_view(), name="agreement_create"),
                path("agreements/<int:pk>/", coverage.AgreementDetailView.as_view(), name="agreement_detail"),
                path(
                    "agreements/<int:pk>/<slug:action>/",
                    coverage.AgreementActionView.as_view(),
                    name="agreement_action",
                ),
                path("evaluators/", staffing_views.EvaluatorListView.as_view(), name="evaluators"),
                path(
                    "evaluators/new/", staffing_views.EvaluatorCreateView.as_view(), name="evaluator_create"
                ),
                path(
                    "evaluators/<int:pk>/edit/",
                    staffing_views.EvaluatorEditView.as_view(),
                    name="evaluator_edit",
                ),
                path(
                    "evaluators/<int:pk>/active/",
                    staffing_views.EvaluatorActiveView.as_view(),
                    name="evaluator_active",
                ),
                path("<int:pk>/", plan_views.PlanDetailView.as_view(), name="detail"),
                path("<int:pk>/edit/", plan_views.PlanEditView.as_view(), name="edit"),
                path("<int:pk>/sittings/new/", sitting_views.SittingAddView.as_view(), name="sitting_add"),
                path(
                    "<int:pk>/sittings/<int:sitting_pk>/edit/",
                    sitting_views.SittingEditView.as_view(),
                    name="sitting_edit",
                ),
                path(
                    "<int:pk>/sittings/<int:sitting_pk>/remove/",
                    sitting_views.SittingRemoveView.as_view(),
                    name="sitting_remove",
                ),
                path("<int:pk>/staff/new/", sitting_views.StaffAssignView.as_view(), name="staff_assign"),
                path(
                    "<int:pk>/supervisors/new/",
                    sitting_views.SupervisorChoiceView.as_view(),
                    name="supervisor_choose",
                ),
                path(
                    "<int:pk>/sittings/<int:sitting_pk>/report/",
                    sitting_views.SupervisionReportView.as_view(),
                    name="supervision_report",
                ),
                path(
                    "<int:pk>/sittings/<int:sitting_pk>/report/photo/",
                    sitting_views.SupervisionPhotoView.as_view(),
                    name="supervision_photo",
                ),
                path(
                    "<int:pk>/staff/<int:staff_pk>/remove/",
                    sitting_views.StaffRemoveView.as_view(),
                    name="staff_remove",
                ),
                path(
                    "<int:pk>/recusals/new/",
                    staffing_views.RecusalCreateView.as_view(),
                    name="recusal_create",
                ),
                path("<int:pk>/roster/", roster_views.RosterUploadView.as_view(), name="roster_upload"),
                path(
                    "<int:pk>/recognition/new/",
                    recognition_views.RecognitionAddView.as_view(),
                    name="recognition_add",
                ),
                path(
                    "<int:pk>/recognition/<int:registration_pk>/",
                    recognition_views.EvidenceView.as_view(),
                    name="evidence",
                ),
                path(
                    "<int:pk>/roster/<int:import_pk>/report/",
                    roster_views.RosterReportView.as_view(),
                    name="roster_report",
                ),
                path("<int:pk>/scores/", plan_views.ScoreEntryView.as_view(), name="scores"),
                path("<int:pk>/reveal/", roster_views.RevealView.as_view(), name="reveal"),
                path("<int:pk>/photo/", roster_views.PhotoUploadView.as_view(), name="photo"),
                path("<int:pk>/<str:action>/", plan_views.PlanActionView.as_view(), name="action"),
            ],
        ),
        Application(
            app_name="certificates",
            icon="workspace_premium",
            title=_("证书"),
            menu_template_name=None,
            urlpatterns=[
                path("", cert_views.CertificateListView.as_view(), name="index"),
                path("plans/<int:plan_pk>/issue/", cert_views.IssueView.as_view(), name="issue"),
                path("batches/<int:pk>/", cert_views.BatchView.as_view(), name="batch"),
                path("batches/<int:pk>/zip/", cert_views.BatchZipView.as_view(), name="batch_zip"),
                path("national/", national_views.NationalReportView.as_view(), name="national"),
                path(
                    "national/answers/", national_views.NationalAnswersView.as_view(), name="national_answers"
                ),
                path(
                    "national/rejections/",
                    national_views.RejectionListView.as_view(),
                    name="national_rejections",
                ),
                path(
                    "national/rejections/<int:pk>/resubmit/",
                    national_views.RejectionResubmitView.as_view(),
                    name="national_resubmit",
                ),
                path(
                    "national/<int:pk>/",
                    national_views.NationalReportDownloadView.as_view(),
                    name="national_download",
                ),
                path("statistics/", cert_views.StatisticsView.as_view(), name="statistics"),
                path("<int:pk>/", cert_views.CertificateDetailView.as_view(), name="detail"),
                path("<int:pk>/pdf/", cert_views.CertificatePdfView.as_view(), name="pdf"),
                path(
                    "<int:pk>/credential/", credentials.CertificateCredentialView.as_view(), name="credential"
                ),
            ],
        ),
        Application(
            app_name="appointments",
            icon="military_tech",
            title=_("特级技师/首席技师评聘"),
            menu_template_name=None,
            urlpatterns=[
                path("", appointment_views.AppointmentListView.as_view(), name="index"),
                path("new/", appointment_views.AppointmentCreateView.as_view(), name="create"),
                path("<int:pk>/", appointment_views.AppointmentDetailView.as_view(), name="detail"),
                path(
                    "<int:pk>/<slug:action>/",
                    appointment_views.AppointmentActionView.as_view(),
                    name="action",
                ),
            ],
        ),
        Application(
            app_name="competitions",
            icon="emoji_events",
            title=_("竞赛晋升"),
            menu_template_name=None,
            urlpatterns=[
                path("", recognition_views.CompetitionListView.as_view(), name="index"),
                path("new/", recognition_views.CompetitionCreateView.as_view(), name="create"),
                path("template/", recognition_views.ResultsTemplateView.as_view(), name="template"),
                path("<int:pk>/", recognition_views.CompetitionDetailView.as_view(), name="detail"),
                path("<int:pk>/results/", recognition_views.CompetitionResultsView.as_view(), name="results"),
                path("<int:pk>/decide/", recognition_views.CompetitionDecideView.as_view(), name="decide"),
            ],
        ),
        Application(
            app_name="staff",
            icon="groups",
            title=_("职工名册"),
            menu_template_name=None,
            urlpatterns=[
                path("", staff_views.StaffListView.as_view(), name="index"),
                path("import/", staff_views.StaffImportView.as_view(), name="import"),
                path("template/", staff_views.StaffTemplateView.as_view(), name="template"),
                path("holding/", staff_views.HoldingView.as_view(), name="holding"),
                path("<int:pk>/", staff_views.StaffDetailView.as_view(), name="detail"),
            ],
        ),
        Application(
            app_name="supervision",
            icon="gavel",
            title=_("评价机构监管"),
            menu_template_name=None,
            urlpatterns=[
                path("", supervision_views.BodyListView.as_view(), name="index"),
                path("<int:pk>/", supervision_views.BodyRecordView.as_view(), name="detail"),
                path("spot-checks/", spot_check_views.DrawListView.as_view(), name="spot_checks"),
                path("spot-checks/<int:pk>/", spot_check_views.DrawDetailView.as_view(), name="spot_check"),
                path(
                    "spot-checks/<int:pk>/publish/",
                    spot_check_views.DrawPublishView.as_view(),
                    name="spot_check_publish",
                ),
                path(
                    "spot-checks/<int:pk>/checks/<int:check_pk>/record/",
                    spot_check_views.CheckRecordView.as_view(),
                    name="spot_check_record",
                ),
                path(
                    "<slug:table>/<int:pk>/<slug:name>/",
                    supervision_views.SupervisionActionView.as_view(),
                    name="action",
                ),
            ],
        ),
        Application(
            app_name="tasks",
            icon="inbox",
            title=_("待办任务"),
            menu_template_name=None,
            urlpatterns=[
                path("", task_views.InboxView.as_view(), name="inbox"),
                path("<int:task_pk>/", task_views.TaskView.as_view(), name="task"),
                path("chart/<slug:subject>/<int:pk>/", ProcessChartView.as_view(), name="chart"),
                path("<int:task_pk>/claim/", task_views.ClaimView.as_view(), name="claim"),
                path("<int:task_pk>/release/", task_views.ReleaseView.as_view(), name="release"),
                path("<int:task_pk>/transfer/", task_views.TransferView.as_view(), name="transfer"),
                path("<int:task_pk>/urge/", operation_views.UrgeView.as_view(), name="urge"),
                path("<int:task_pk>/take-back/", operation_views.TakeBackView.as_view(), name="take_back"),
                path("<int:task_pk>/send-back/", operation_views.SendBackView.as_view(), name="send_back"),
                path("batch/", operation_views.BatchView.as_view(), name="batch"),
                path("deputies/", operation_views.DeputyView.as_view(), name="deputies"),
                path("<int:task_pk>/copy/", operation_views.CopyView.as_view(), name="copy_task"),
                path("copies/<int:pk>/", operation_views.CopyDetailView.as_view(), name="copy"),
                path(
                    "deputies/<int:pk>/revoke/",
                    operation_views.DeputyRevokeView.as_view(),
                    name="deputy_revoke",
                ),
            ],
        ),
        Application(
            app_name="dashboard",
            icon="insights",
            title=_("全市看板"),
            menu_template_name=None,
            urlpatterns=[
                path("", city_dashboard.DashboardView.as_view(), name="index"),
                path("tasks/", task_list_views.TaskListIndexView.as_view(), name="task_lists"),
                path("tasks/new/", task_list_views.TaskListCreateView.as_view(), name="task_list_create"),
                path("tasks/<int:pk>/", task_list_views.TaskListDetailView.as_view(), name="task_list"),
                path(
                    "tasks/<int:pk>/edit/", task_list_views.TaskListEditView.as_view(), name="task_list_edit"
                ),
                path(
                    "tasks/<int:pk>/evidence/<int:evidence_pk>/",
                    task_list_views.EvidenceView.as_view(),
                    name="task_evidence",
                ),
                path(
                    "tasks/<int:pk>/<slug:action>/",
                    task_list_views.TaskListActionView.as_view(),
                    name="task_list_action",
                ),
                path("training/", task_list_views.TrainingView.as_view(), name="training"),
                path("reports/", city_dashboard.YearlyReportListView.as_view(), name="reports"),
                path(
                    "reports/<int:pk>/<slug:fmt>/",
                    city_dashboard.YearlyReportFileView.as_view(),
                    name="report_file",
                ),
            ],
        ),
        Application(
            app_name="audit",
            icon="policy",
            title=_("审计日志"),
            menu_template_name=None,
            urlpatterns=[
                path("", audit_views.AuditLogView.as_view(), name="index"),
                path("verify/", audit_views.AuditVerifyView.as_view(), name="verify"),
            ],
        ),
        Application(
            app_name="notifications",
            icon="notifications",
            title=_("消息"),
            menu_template_name=None,
            urlpatterns=[
                path("", notification_views.InboxView.as_view(), name="index"),
                path("<int:pk>/", notification_views.OpenMessageView.as_view(), name="open"),
                path("read-all/", notification_views.MarkAllReadView.as_view(), name="read_all"),
                path("preferences/", notification_views.PreferenceView.as_view(), name="preferences"),
            ],
        ),
    ],
)

urlpatterns = [
    # Operations (docs/operations.md): status codes for everyone, details and metrics for the monitoring.
    path("health/", health.HealthView.as_view(), name="health"),
    path("health/live/", health.live, name="health_live"),
    path("health/ready/", health.ReadinessView.as_view(), name="health_ready"),
    path("metrics/", metrics.metrics, name="metrics"),
    path("i18n/zh-hans/", switch_language, {"code": "zh-hans"}, name="set_language_zh"),
    path("i18n/en/", switch_language, {"code": "en"}, name="set_language_en"),
    path("public/publicity/", public.PublicityListView.as_view(), name="publicity"),
    path("public/promotion-rules/", recognition_views.PublicRulesView.as_view(), name="promotion_rules"),
    path(
        "public/appointments/", appointment_views.PublicAppointmentsView.as_view(), name="appointments_public"
    ),
    path("public/publicity/<int:pk>/objection/", public.ObjectionView.as_view(), name="objection"),
    path("public/results/<int:pk>/", public.ResultsPublicityView.as_view(), name="results_publicity"),
    path("catalogue/", catalogue.CatalogueView.as_view(), name="catalogue"),
    path("catalogue/bodies.csv", catalogue.CatalogueCsvView.as_view(), name="catalogue_csv"),
    path("catalogue/spot-checks/", spot_check_views.PublicDrawsView.as_view(), name="spot_checks_public"),
    path("catalogue/<str:code>/", catalogue.CatalogueBodyView.as_view(), name="catalogue_body"),
    path("verify/", verify.VerifyView.as_view(), name="verify"),
    path("verify/t/<str:token>/", verify.VerifyTokenView.as_view(), name="verify_token"),
    path("verify/list/", verify.VerifyListView.as_view(), name="verify_list"),
    path("verify/person/", verify_person.VerifyPersonView.as_view(), name="verify_person"),
    path("holder/", holders.SignInView.as_view(), name="holder_sign_in"),
    path("holder/code/", holders.CodeView.as_view(), name="holder_code"),
    path("holder/records/", holders.RecordsView.as_view(), name="holder_records"),
    path("holder/certificates/<int:pk>/pdf/", holders.HolderPdfView.as_view(), name="holder_pdf"),
    path(
        "holder/certificates/<int:pk>/credential/",
        holders.HolderCredentialView.as_view(),
        name="holder_credential",
    ),
    path(
        "holder/certificates/<int:pk>/correction/",
        holders.CorrectionView.as_view(),
        name="holder_correction",
    ),
    path("holder/sign-out/", holders.SignOutView.as_view(), name="holder_sign_out"),
    path(".well-known/jwks.json", credentials.IssuerKeysView.as_view(), name="credential_keys"),
    path(
        "credentials/status/<str:list_id>/",
        credentials.StatusListView.as_view(),
        name="credential_status_list",
    ),
    path("verify/pdf/", verify.VerifyPdfView.as_view(), name="verify_pdf"),
    path("public/complaints/new/", complaint_views.ComplaintView.as_view(), name="complaint_new"),
    # The API authenticates itself (token or session) and answers 401/403 in JSON, never a login redirect.
    path("api/", include("api.urls")),
    path("admin/", admin.site.urls),
    path("accounts/otp/", SecondFactorView.as_view(), name="second_factor"),
    path("accounts/", SiteAuthViewset(allow_password_change=True).urls),
    path("", site.urls),
]
