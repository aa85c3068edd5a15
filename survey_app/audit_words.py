"""The audit log in words: what each recorded action means, for the people who read the log.

The log keeps the action codes (`survey_app.audit.record`); the admin's audit page shows
these sentences and the code beside them, and the raw record on demand. A test checks that
every action the service records has its words here.
"""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

ACTIONS: dict[str, LazyString] = {
    "access.denied": _l("Was refused a page or an action"),
    "application.approve": _l("Approved the decision on an application"),
    "application.kept": _l("Kept a decided application when the report was sent in again"),
    "application.propose": _l("Proposed a decision on an application"),
    "application.save": _l("Saved an application"),
    "application.send-back": _l("Sent a proposed decision on an application back"),
    "application.submit": _l("Submitted an application"),
    "claim.approve": _l("Approved a claim for repayment"),
    "frame.set": _l("Set an office's frame"),
    "response.upload-file": _l("Uploaded a file into a report"),
    "claim.decision-draft": _l("Drafted the decision on a claim"),
    "claim.notice": _l("Drafted an advance notice of a claim"),
    "claim.payment": _l("Recorded a repayment"),
    "claim.response": _l("Recorded the municipality's answer to a notice"),
    "claim.status": _l("Changed a claim's status"),
    "export.download": _l("Downloaded an export"),
    "export.write": _l("Wrote an export"),
    "flag.claim": _l("Claimed repayment for a flag"),
    "flag.waive": _l("Waived a flag"),
    "flags.compute": _l("Computed the flags of a round"),
    "flags.evaluate-on-submit": _l("Checked a submitted report against the rules"),
    "grant.opt-out": _l("Recorded that a municipality declined a grant"),
    "grants.allocate": _l("Allocated a round's grants"),
    "grants.import": _l("Imported grants"),
    "grants.pay": _l("Recorded a round's payments"),
    "grants.payments": _l("Imported payments"),
    "grants.positions": _l("Imported positions"),
    "invitation.opened": _l("Opened an invitation"),
    "invitation.password-refused": _l("Was refused a password on an invitation"),
    "invitation.used": _l("Accepted an invitation"),
    "mail.send_again": _l("Sent an e-mail again"),
    "register.import": _l("Imported a municipality register"),
    "report.approve": _l("Approved a report"),
    "report.return": _l("Returned a report for correction"),
    "response.post-kept": _l("Kept a page posted after the sign-in expired"),
    "response.save-page": _l("Saved a page of a report"),
    "response.start": _l("Started a report"),
    "response.submit": _l("Submitted a report"),
    "round.create": _l("Created a round"),
    "round.update": _l("Changed a round"),
    "user.activate": _l("Activated an account"),
    "user.deactivate": _l("Deactivated an account"),
    "user.approver": _l("Changed who may approve"),
    "user.break-glass": _l("Changed emergency access"),
    "user.create": _l("Created an account"),
    "user.identity-bound": _l("Linked a sign-in identity to an account"),
    "user.invited": _l("Invited a user"),
    "user.password-change-refused": _l("Was refused a password change"),
    "user.password-changed": _l("Changed a password"),
    "user.password-reset": _l("Reset a password"),
    "user.password-reset-opened": _l("Opened a password reset link"),
    "user.password-reset-refused": _l("Was refused a password reset"),
    "user.password-reset-requested": _l("Asked for a password reset"),
    "user.role": _l("Changed an account's role"),
    "user.scope": _l("Changed an account's access"),
    "user.sessions-ended": _l("Ended an account's sign-ins"),
    "user.sign-in": _l("Signed in"),
    "user.sign-in-expired": _l("Sign-in expired"),
    "user.sign-in-failed": _l("Sign-in failed"),
    "user.sign-in-refused": _l("Sign-in refused"),
    "user.sign-in-throttled": _l("Sign-in paused after too many tries"),
    "user.sign-out": _l("Signed out"),
    "user.totp-code-failed": _l("Gave a wrong two-step code"),
    "user.totp-code-ok": _l("Gave a correct two-step code"),
    "user.totp-enrolled": _l("Enrolled in two-step sign-in"),
    "user.totp-pending": _l("Was asked for a two-step code"),
    "user.totp-pending-expired": _l("Two-step sign-in timed out"),
    "user.totp-recovery-code-used": _l("Used a recovery code"),
    "user.totp-recovery-codes-regenerated": _l("Made new recovery codes"),
    "user.totp-reset": _l("Removed two-step sign-in"),
    "user.totp-throttled": _l("Two-step codes paused after too many tries"),
    "author_draft.created": _l("Started a questionnaire draft"),
    "author_draft.saved": _l("Saved a questionnaire draft"),
    "definition.published": _l("Published a questionnaire, scheme entry or rules"),
    "letter.decision.queue": _l("Queued a grant decision letter"),
}

OBJECT_TYPES: dict[str, LazyString] = {
    "claim": _l("Claim"),
    "flag": _l("Flag"),
    "grant": _l("Grant"),
    "invitation": _l("Invitation"),
    "municipality": _l("Municipality"),
    "outbox": _l("E-mail"),
    "page": _l("Page"),
    "password-reset": _l("Password reset"),
    "register": _l("Register"),
    "response": _l("Report"),
    "round": _l("Round"),
    "sign-in": _l("Sign-in"),
    "user": _l("Account"),
    "author_draft": _l("Questionnaire draft"),
    "published_definition": _l("Published definition"),
}


def action_words(action: str) -> str:
    """The action in the reader's language; an unknown code (an older release's) as written."""
    words = ACTIONS.get(action)
    return str(words) if words is not None else action


def object_words(object_type: str) -> str:
    words = OBJECT_TYPES.get(object_type)
    return str(words) if words is not None else object_type
