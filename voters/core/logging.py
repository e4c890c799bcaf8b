"""Log filters: no full NIK or KK number reaches a log line, and a refused request is one line.
"""

import logging

from django.core.exceptions import PermissionDenied

from voters.rules.nik import mask_in_text


def redact(text):
    return mask_in_text(text)


class RedactNikFilter(logging.Filter):
    def filter(self, record):
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


class RefusalWithoutTracebackFilter(logging.Filter):
    """A 403 is an expected answer, already written to the audit trail: log its one line,
    not the PermissionDenied traceback."""

    def filter(self, record):
        if record.exc_info and isinstance(record.exc_info[1], PermissionDenied):
            record.exc_info = None
            record.exc_text = None
        return True
