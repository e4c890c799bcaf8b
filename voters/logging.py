"""Log filters: no full NIK or KK number reaches a log line, and a refused request is one line.
"""

import logging
import re

from django.core.exceptions import PermissionDenied

# Sixteen digits standing alone. Not the digits of a decimal number ("1.4197151234567890 s"
# is a duration, not a NIK): a run right after "<digit>." or right before ".<digit>" is kept.
SIXTEEN_DIGITS = re.compile(r"(?<!\d)(?<!\d\.)(\d{6})\d{10}(?!\d)(?!\.\d)")


def redact(text):
    return SIXTEEN_DIGITS.sub(r"\1**********", text)


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
