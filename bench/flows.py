"""A bare viewflow flow of the filing review's shape, for the review benchmark's floor: the same number of
human steps (7 in sequence, each followed by a gateway, and a panel of 3 parallel scoring tasks joined
before the decision), the same lock (``select_for_update_lock``), viewflow's own Process model, and no
domain work at all: no application, no audit, no outbox, no permission check."""

from __future__ import annotations

from viewflow import this
from viewflow.workflow import flow, lock


def _noop_view(request, **kwargs):  # never served: the benchmark completes the tasks from code
    raise NotImplementedError


def _always(activation) -> bool:
    return True


class BareReviewFlow(flow.Flow):
    lock_impl = lock.select_for_update_lock

    start = flow.StartHandle(this.start_process).Next(this.accept)
    accept = flow.View(_noop_view).Next(this.after_accept)
    after_accept = flow.If(_always).Then(this.district).Else(this.end)
    district = flow.View(_noop_view).Next(this.after_district)
    after_district = flow.If(_always).Then(this.municipal).Else(this.end)
    municipal = flow.View(_noop_view).Next(this.after_municipal)
    after_municipal = flow.If(_always).Then(this.panel).Else(this.end)
    panel = flow.View(_noop_view).Next(this.split)
    split = flow.Split().Next(this.score_1).Next(this.score_2).Next(this.score_3)
    score_1 = flow.View(_noop_view).Next(this.join)
    score_2 = flow.View(_noop_view).Next(this.join)
    score_3 = flow.View(_noop_view).Next(this.join)
    join = flow.Join().Next(this.decide)
    decide = flow.View(_noop_view).Next(this.after_decide)
    after_decide = flow.If(_always).Then(this.publish).Else(this.end)
    publish = flow.View(_noop_view).Next(this.after_publish)
    after_publish = flow.If(_always).Then(this.close).Else(this.end)
    close = flow.View(_noop_view).Next(this.end)
    end = flow.End()

    def start_process(self, activation, **kwargs):
        return activation.process


#: Human steps per process: 7 in sequence + 3 scoring tasks (``close`` stands for the end of publicity).
HUMAN_STEPS = 10
