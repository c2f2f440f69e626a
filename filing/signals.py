"""Domain events, declared once.

``filing`` sends them inside the service's transaction, after the state change is saved. ``workflows``
reacts in the same transaction (starting, advancing or cancelling the review process), so a submitted
application without a review process cannot exist. ``notifications`` writes outbox rows in the same
transaction and delivers after commit. ``filing`` imports neither app.

Every signal is sent with ``sender`` = the model class and the keyword arguments listed.
"""

from django.dispatch import Signal

#: A user was given or lost a role. kwargs: membership, actor.
membership_changed = Signal()

#: kwargs: application, actor.
application_submitted = Signal()
#: A district reviewer accepted (受理) the application. kwargs: application, actor, decision.
application_accepted = Signal()
#: A review step passed. kwargs: application, actor, decision.
application_review_passed = Signal()
#: Returned for correction (补正). kwargs: application, actor, correction.
application_returned = Signal()
#: The applicant answered the correction. kwargs: application, actor, correction.
application_resubmitted = Signal()
#: kwargs: application, actor, reason.
application_rejected = Signal()
#: kwargs: application, actor, reason.
application_withdrawn = Signal()
#: A correction deadline passed unanswered. kwargs: application, correction.
application_lapsed = Signal()
#: The municipal reviewer named the expert panel. kwargs: application, actor, assignments.
expert_panel_assigned = Signal()
#: An expert declared a conflict and was replaced. kwargs: application, actor, assignment, replacement.
expert_replaced = Signal()
#: An expert submitted scores for every line. kwargs: application, actor, assignment.
expert_scored = Signal()
#: The decision was made (per line). kwargs: application, actor, decision, approved_lines, rejected_lines.
application_decided = Signal()
#: kwargs: application, starts_on, ends_on.
publicity_started = Signal()
#: Publicity ended and the application was filed. kwargs: application, body.
application_filed = Signal()
#: kwargs: application, objection.
objection_filed = Signal()
#: kwargs: application, objection, actor.
objection_decided = Signal()
#: One statutory-clock extension granted. kwargs: application, actor.
clock_extended = Signal()
#: A review task was claimed or transferred (转办). kwargs: application, actor, assignee, task_title.
task_assigned = Signal()
#: A waiting review task's statutory clock has few working days left, or has run out. kwargs: application,
#: task_title, recipients (who must act), left (working days; negative when overdue), key (one reminder per
#: task and kind: a receiver that records a reminder returns it, a repeated key records nothing).
task_deadline_near = Signal()
#: 催办: someone urged a waiting task. kwargs: subject (application, plan, ...), actor, recipients (who must
#: act: the owner, or the queue), task_title, note, count (urges of that task so far).
task_urged = Signal()
#: 委派/代理: a reviewer named a deputy for a period. kwargs: deputy (the ``workflows.Deputy`` row), actor.
deputy_appointed = Signal()
#: 抄送: a decision was copied. kwargs: copies (``workflows.TaskCopy`` rows), actor, task_title, subject.
task_copied = Signal()
#: 超时升级: a waiting task passed its node's limit. kwargs: subject, recipients (the unit leads and the
#: owner), task_title, age and limit (working days), key (one escalation per task).
task_escalated = Signal()
#: 拿回: a reviewer took back a step the next one had not acted on. kwargs: application, actor, step.
application_taken_back = Signal()
#: 退回区级重审: the city returned the filing to the district review. kwargs: application, actor, decision.
application_sent_back = Signal()
task_deadline_passed = Signal()
#: An open correction's deadline is near. kwargs: application, correction.
correction_deadline_near = Signal()

#: Evaluation plans. kwargs: plan, actor.
plan_filed = Signal()
plan_confirmed = Signal()
plan_returned = Signal()
plan_cancelled = Signal()
#: The body withdrew a filed plan before its confirmation (撤回备案). kwargs: plan, actor, reason.
plan_withdrawn = Signal()
#: Results publicity started. kwargs: plan, actor, ends_on.
results_published = Signal()
#: Results submitted to the authority. kwargs: plan, actor.
results_submitted = Signal()
#: The authority confirmed (or returned) the results. kwargs: plan, actor, comment.
results_confirmed = Signal()
results_returned = Signal()

#: Certificates. kwargs: batch, actor (certificates_issued);
#: certificate, actor (revoked / reissued / corrected).
certificates_issued = Signal()
certificate_revoked = Signal()
#: A body's operator asked for a certificate's revocation; a municipal reviewer decided it (approved: the
#: certificate is revoked and ``certificate_revoked`` follows; declined: it stays valid).
#: kwargs: revocation, actor.
revocation_requested = Signal()
revocation_decided = Signal()
certificate_reissued = Signal()
certificate_corrected = Signal()

#: The national system sent records back (退回) in its answer file: the issuing body must correct and
#: resubmit them. kwargs: body, records (NationalRecord list), actor.
national_records_rejected = Signal()
#: A holder asked the issuing body to correct their certificate (kwargs: request); the body's operator
#: corrected it or declined (kwargs: request, actor).
holder_correction_requested = Signal()
holder_correction_decided = Signal()

#: Supervision (filing.services.supervision). A decision changed a body's or a filed line's standing
#: (suspended, reinstated, revoked, exit requested or decided, rectification ordered or accepted).
#: kwargs: decision (BodyDecision), actor.
body_decided = Signal()
#: A rectification order was answered by the body (kwargs: order, actor), or sent back for another round
#: (kwargs: order, actor).
rectification_responded = Signal()
rectification_sent_back = Signal()

#: 特级技师/首席技师 评聘 (filing.services.appointments): submitted for review (kwargs: appointment, actor);
#: approved into publicity, rejected, or made when the publicity ended (kwargs: appointment, actor — None
#: for the timer); its term ends soon (kwargs: appointment).
appointment_submitted = Signal()
appointment_decided = Signal()
appointment_expiring = Signal()
#: An open rectification order is near its deadline or past it (timer). kwargs: order, overdue.
rectification_due = Signal()
#: Complaints (filing.services.complaints). A complaint was received (its code came back; kwargs: complaint);
#: the city took it up for investigation, answered or dismissed it (kwargs: complaint, actor).
complaint_received = Signal()
complaint_decided = Signal()

#: An annual task list (filing.services.annual_tasks) moved on: action is "submit", "confirm_district",
#: "confirm_city", "return", "assess" or "report" (kwargs: task_list, action, actor).
task_list_changed = Signal()
