"""Log filter that never lets a full NIK or KK number reach a log line."""

import logging
import re

SIXTEEN_DIGITS = re.compile(r"(?<!\d)(\d{6})\d{10}(?!\d)")


def redact(text):
    return SIXTEEN_DIGITS.sub(r"\1**********", text)


class RedactNikFilter(logging.Filter):
    def filter(self, record):
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True
