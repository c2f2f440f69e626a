"""Review tasks over the API: the user's inbox and queue, claim, release, transfer, and completing a task
with the input its node takes (the node table says which)."""

from __future__ import annotations

from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import APIView

from api import serializers as s
from api.views.common import ERRORS, valid
from workflows import selectors as wf_selectors
from workflows import services as wf
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
    @extend_schema(request=TASK_INPUT, responses={200: s.TaskSerializer, **ERRORS})
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
