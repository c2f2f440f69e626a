"""Review tasks over the API: the user's inbox and queue, claim, release, transfer, and completing a task
with the input its node takes (the node table says which)."""

from __future__ import annotations

from django.db.models import Q
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import APIView

from api import serializers as s
from api.views.common import ERRORS, example, valid
from workflows import deputies
from workflows import operations as ops
from workflows import selectors as wf_selectors
from workflows import services as wf
from workflows.copies import task_copy
from workflows.models import Deputy, TaskCopy
from workflows.steps import NODES

TASK_INPUT = PolymorphicProxySerializer(
    component_name="TaskInput",
    serializers=list(dict.fromkeys(spec.serializer for spec in NODES.values() if spec.serializer)),
    resource_type_field_name=None,
)


def _task_row(task) -> dict:
    process = task.process
    application = getattr(getattr(process, "filingreviewprocess", None), "application_id", None)
    plan = getattr(getattr(process, "planprocess", None), "plan_id", None)
    return {
        "id": task.pk,
        "node": task.flow_task.name,
        "title": str(task.flow_task.task_title),
        "status": task.status,
        "owner": task.owner.get_username() if task.owner_id else None,
        "application": application,
        "plan": plan,
    }


class TaskList(APIView):
    @extend_schema(responses={200: s.TaskSerializer(many=True)})
    def get(self, request):
        lists = wf_selectors.tasks_visible_to(request.user)
        related = (
            "process__filingreviewprocess",
            "process__planprocess",
            "process__revocationprocess",
            "process__holdercorrectionprocess",
            "process__nationalrejectionprocess",
            "owner",
        )
        tasks = [*lists["inbox"].select_related(*related), *lists["queue"].select_related(*related)]
        return Response([_task_row(t) for t in tasks])


class TaskAction(APIView):
    action = ""

    @extend_schema(request=s.TransferSerializer, responses={200: s.TaskSerializer, **ERRORS})
    def post(self, request, pk):
        task = wf_selectors.get_task_for(request.user, pk)
        if self.action == "claim":
            wf.task_claim(actor=request.user, task_pk=task.pk)
        elif self.action == "release":
            wf.task_release(actor=request.user, task_pk=task.pk)
        else:
            data = valid(s.TransferSerializer, request)
            wf.task_transfer(
                actor=request.user, task_pk=task.pk, to_user_pk=data["to_user"], reason=data["reason"]
            )
        task.refresh_from_db()
        return Response(_task_row(task))


class TaskDecide(APIView):
    @extend_schema(
        request=TASK_INPUT,
        responses={200: s.TaskSerializer, **ERRORS},
        description="The input depends on the task's node (`node` in `GET /tasks/`). 400: invalid for that "
        "node (a return whose deadline is not after today, a panel of fewer than three or an even number, a "
        "missing line decision); "
        "403: not yours to decide, or the four-eyes rule; 404: not a task you can see; 409: already decided "
        "(a lost race) or the application moved on.",
        examples=[
            example(
                "district acceptance returns for correction",
                {
                    "outcome": "return",
                    "comment": "请补充申请说明",
                    "items": [{"kind": "field", "key": "summary", "note": "写明评价场地和设备"}],
                    "deadline": "2026-12-20",
                },
            ),
            example("a review step approves", {"outcome": "approve", "comment": "材料齐全，予以受理"}),
            example("the municipal reviewer names a panel", {"experts": [21, 22, 23]}),
            example(
                "an expert scores each line",
                {"scores": [{"line": 88, "score": 88, "recommendation": "approve"}]},
            ),
            example(
                "the decision, line by line",
                {"comment": "同意备案", "line_decisions": [{"line": 88, "decision": "approved"}]},
            ),
            example("the city confirms a plan or audits its results", {"approve": True, "comment": "同意"}),
        ],
    )
    def post(self, request, pk):
        task = wf_selectors.get_task_for(request.user, pk)
        spec = NODES.get(wf_selectors.node_name(task))
        if spec is None or spec.serializer is None:
            raise exceptions.NotFound()
        serializer = spec.serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        wf.task_complete(actor=request.user, task_pk=task.pk, arguments=serializer.arguments())
        task.refresh_from_db()
        return Response(_task_row(task))


class TaskUrge(APIView):
    @extend_schema(
        request=s.UrgeInput,
        responses={200: s.UrgeSerializer(many=True), **ERRORS},
        description="GET: who urged this waiting task and when. POST (催办): the applicant's side or a "
        "superior urges it; its owner, or its queue, is notified. 403: not the applicant's side nor a "
        "superior, or your own task; 404: a task on nothing you can see; 409: done already, or the daily "
        "limit per person and task (`WORKFLOW_URGE_DAILY_LIMIT`) is reached.",
        examples=[example("urge with a note", {"note": "申请已提交10个工作日，请尽快受理"})],
    )
    def post(self, request, pk):
        task = ops.get_task_to_urge(request.user, pk)
        data = valid(s.UrgeInput, request)
        ops.task_urge(actor=request.user, task_pk=task.pk, note=data["note"])
        return Response(s.UrgeSerializer(task.urges.select_related("urged_by"), many=True).data)

    @extend_schema(request=None, responses={200: s.UrgeSerializer(many=True), **ERRORS})
    def get(self, request, pk):
        task = ops.get_task_to_urge(request.user, pk)
        return Response(s.UrgeSerializer(task.urges.select_related("urged_by"), many=True).data)


class TaskTakeBack(APIView):
    @extend_schema(
        request=s.TakeBackInput,
        responses={200: s.TaskSerializer, **ERRORS},
        description="拿回: the task in the path is one you completed; its next task is cancelled while "
        "nobody has claimed, been handed or acted on it, and your task reopens assigned to you (the answer "
        "is the reopened task). 403: not yours; 404: not a task you can see; 409: the next step started, or "
        "the node cannot be taken back.",
    )
    def post(self, request, pk):
        task = wf_selectors.get_task_for(request.user, pk)
        valid(s.TakeBackInput, request)
        reopened = ops.task_take_back(actor=request.user, task_pk=task.pk)
        return Response(_task_row(reopened))


class TaskSendBack(APIView):
    @extend_schema(
        request=s.SendBackInput,
        responses={200: s.TaskSerializer, **ERRORS},
        description="退回到已办环节: return the subject to an earlier node of this task's flow that was done "
        "(`municipal_review` → `district_review`), with the reasons; the answer is the reopened task, "
        "assigned to whoever did it before. 400: no reason; 403: not yours to decide; 404: not a task you "
        "can see; 409: not an earlier node of this one, or already decided.",
        examples=[
            example(
                "the city returns to the district", {"to_node": "district_review", "comment": "请核实场地"}
            )
        ],
    )
    def post(self, request, pk):
        task = wf_selectors.get_task_for(request.user, pk)
        data = valid(s.SendBackInput, request)
        reopened = ops.task_send_back(
            actor=request.user, task_pk=task.pk, to_node=data["to_node"], comment=data["comment"]
        )
        return Response(_task_row(reopened))


class TaskBatch(APIView):
    @extend_schema(
        request=s.BatchInput,
        responses={200: s.BatchRunSerializer, **ERRORS},
        description="批量审批: approve several tasks of one node (`confirm_plan`, `audit_results`) with one "
        "opinion; each task in its own transaction with its own result (`ok`, `message`): failures are "
        "listed, successes kept. 400: a node that is not approved in batches, no opinion, or too many tasks "
        "(`WORKFLOW_BATCH_MAX_TASKS`).",
        examples=[
            example("confirm three plans", {"node": "confirm_plan", "tasks": [31, 32, 33], "comment": "同意"})
        ],
    )
    def post(self, request):
        data = valid(s.BatchInput, request)
        run = ops.task_batch_approve(
            actor=request.user, node=data["node"], task_pks=data["tasks"], comment=data["comment"]
        )
        return Response(s.BatchRunSerializer(run).data)


class DeputyList(APIView):
    @extend_schema(responses={200: s.DeputySerializer(many=True)})
    def get(self, request):
        """委派/代理: the deputies you named and the colleagues you act for."""
        rows = (
            Deputy.objects.filter(Q(principal=request.user) | Q(deputy=request.user))
            .select_related("principal", "deputy")
            .order_by("-starts_on", "-id")[:100]
        )
        return Response(s.DeputySerializer(rows, many=True).data)

    @extend_schema(
        request=s.DeputyInput,
        responses={201: s.DeputySerializer, **ERRORS},
        description="Name a deputy (a colleague of the same unit and role, by user id) for a period: from "
        "today at the earliest, at most 90 days, both days included. While it runs your open tasks are in "
        "the deputy's `GET /tasks/`, and what the deputy does records 办理人 X，代 Y. 400: not a colleague, "
        "dates outside the rules, no reason; 403: a role without queues; 409: a period overlapping another.",
        examples=[
            example(
                "a week's leave",
                {"deputy": 12, "starts_on": "2026-12-07", "ends_on": "2026-12-11", "reason": "年休假"},
            )
        ],
    )
    def post(self, request):
        data = valid(s.DeputyInput, request)
        row = deputies.deputy_appoint(
            actor=request.user,
            deputy_pk=data["deputy"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            reason=data["reason"],
        )
        return Response(s.DeputySerializer(row).data, status=201)


class DeputyRevoke(APIView):
    @extend_schema(request=None, responses={200: s.DeputySerializer, **ERRORS})
    def post(self, request, pk):
        """Revoke a deputy you named (404: not yours; 409: revoked already)."""
        row = deputies.deputy_revoke(actor=request.user, pk=pk)
        return Response(s.DeputySerializer(row).data)


class TaskCopyView(APIView):
    @extend_schema(
        request=s.CopyInput,
        responses={200: s.CopySerializer(many=True), **ERRORS},
        description="抄送: copy a decision you made (the task in the path, done) to people by user id and to "
        "roles around its subject (`legal_rep`, `applicant`, `body_operators`, `district_reviewers`, "
        "`municipal_reviewers`); each recipient gets a read-only copy in `GET /copies/`. 400: nobody to copy "
        "to, or a named person who may not see the subject; 403: not your decision; 404: not a task you can "
        "see; 409: the task is not done.",
        examples=[example("copy to the legal representative", {"roles": ["legal_rep"], "note": "请知悉"})],
    )
    def post(self, request, pk):
        task = wf_selectors.get_task_for(request.user, pk)
        data = valid(s.CopyInput, request)
        copies = task_copy(
            actor=request.user, task_pk=task.pk, users=data["users"], roles=data["roles"], note=data["note"]
        )
        return Response(s.CopySerializer(copies, many=True).data)


class CopyList(APIView):
    @extend_schema(responses={200: s.CopySerializer(many=True)})
    def get(self, request):
        """The decisions copied to you (read-only), latest first."""
        rows = TaskCopy.objects.filter(recipient=request.user).select_related("recipient", "copied_by")[:100]
        return Response(s.CopySerializer(rows, many=True).data)
