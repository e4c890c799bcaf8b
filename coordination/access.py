"""Who may do what with coordination records.

- operator, kpu (and admin) record: meetings, attendees, decisions, action items, attachments,
  institutions and contacts.
- observer (Bawaslu and other agencies) reads everything, but not the phone numbers and e-mail
  addresses of contacts, and not attachments marked restricted (lists with names or NIKs).
- kpps reads meetings, decisions and action items of its facility (its officers carry out many
  of the follow-ups: letters by H-3, polling day), and the minutes; not the address book, not
  restricted attachments, and not what an action item links to (inmates of any TPS).

Every object is reached through the meeting's facility, so another facility's meeting,
action item or attachment is a 404.
"""

from voters.core.access import ALL_ROLES, STAFF, Role, has_role

RECORDERS = STAFF
READERS = ALL_ROLES
DIRECTORY_READERS = (Role.OPERATOR, Role.KPU, Role.OBSERVER, Role.ADMIN)


def can_record(user):
    return has_role(user, RECORDERS)


def sees_contact_details(user):
    return has_role(user, RECORDERS)


def sees_restricted_attachments(user):
    return has_role(user, RECORDERS)


def sees_links(user):
    return has_role(user, (Role.OPERATOR, Role.KPU, Role.OBSERVER))


def may_download(user, attachment):
    return not attachment.restricted or sees_restricted_attachments(user)
