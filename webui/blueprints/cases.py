"""Choosing the case a session works on (`/case`): number, reason, optional note.

Plate data opens only after this (webui.access.needs_case, while `[access] require_case` is on), and
every audit entry the session writes afterwards carries the case. Choosing the first case and every
change are audited themselves, the change with the case it replaced, so an overseer can follow which
work a search belonged to.
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from accounts.audit import AuditAction
from accounts.cases import NOTE_LIMIT, CaseProblem, CaseRefused, make_case
from webui.access import PLATE_ROLES, allow, audit_request, current_case, safe_next
from webui.context import ctx
from webui.i18n import reason_label

bp = Blueprint("cases", __name__)


class CaseForm(FlaskForm):
    number = StringField(validators=[DataRequired(), Length(max=64)])
    reason = SelectField(validators=[DataRequired()])
    note = TextAreaField(validators=[Length(max=NOTE_LIMIT)])
    next = HiddenField()


@bp.route("/case", methods=["GET", "POST"])
@allow(*PLATE_ROLES)
def choose():
    access = ctx().config.access
    form = CaseForm()
    form.reason.choices = [(code, reason_label(code)) for code in access.reasons]
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
        return _page(form)
    if not form.validate():
        return _page(form, _("Enter the case number and choose a reason.")), 400
    try:
        case = make_case(access, form.number.data or "", form.reason.data or "", form.note.data or "")
    except CaseRefused as refused:
        return _page(form, _problem_text(refused.problem, access.case_example)), 400
    previous = current_case()
    if previous != case:
        session["case"] = case.to_dict()  # the entry below is written for it
        detail = {"note": case.note} if case.note else {}
        try:
            if previous is None:
                audit_request(AuditAction.CASE_CHOSEN, case.number, detail)
            else:
                changed = {**detail, "previous": previous.to_dict()}
                audit_request(AuditAction.CASE_CHANGED, case.number, changed)
        except BaseException:  # a case the log cannot tell of is not taken (the session is saved anyway)
            if previous is None:
                session.pop("case", None)
            else:
                session["case"] = previous.to_dict()
            raise
    return redirect(safe_next(form.next.data, url_for("search.page")))


def _page(form: CaseForm, error: str = ""):
    access = ctx().config.access
    case = current_case()
    if case is not None and not form.is_submitted():
        form.number.data, form.reason.data, form.note.data = case.number, case.reason, case.note
    return render_template(
        "cases/choose.html", form=form, error=error, case=case, example=access.case_example,
        required=access.require_case,
    )


def _problem_text(problem: CaseProblem, example: str) -> str:
    if problem is CaseProblem.BAD_NUMBER:
        return _("This case number does not have the expected form. Example: %(example)s", example=example)
    if problem is CaseProblem.UNKNOWN_REASON:
        return _("Choose a reason from the list.")
    return _("The note is too long (at most %(n)d characters).", n=NOTE_LIMIT)
